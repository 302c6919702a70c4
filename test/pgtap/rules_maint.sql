-- Maintenance rules, behaviour: vacuum_full, cluster, truncate, refresh_matview.
SET client_min_messages = warning;
SET migration_guard.small_table_threshold = '64kB';
CREATE TABLE big (id bigint PRIMARY KEY, v text);
INSERT INTO big SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
CREATE TABLE small (id bigint PRIMARY KEY, v text);
INSERT INTO small VALUES (1, 'a'), (2, 'b');
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
CREATE INDEX ON child (parent_id);
CREATE TABLE grandchild (child_id bigint REFERENCES child);
CREATE INDEX ON grandchild (child_id);
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1);
INSERT INTO grandchild VALUES (1);
CREATE MATERIALIZED VIEW mv AS SELECT * FROM big;
CREATE MATERIALIZED VIEW mv_empty AS SELECT * FROM big WITH NO DATA;
CREATE FUNCTION filenode(regclass) RETURNS oid LANGUAGE sql
  AS $$ SELECT relfilenode FROM pg_class WHERE oid = $1 $$;
CREATE TEMP TABLE before AS SELECT filenode('big') AS big, filenode('mv') AS mv;

-- The severity check() gives a rule for a statement judged at top level.
CREATE FUNCTION verdict(script text, rulename text) RETURNS text LANGUAGE sql AS
  $$ SELECT coalesce(max(severity), 'none') FROM migration_guard.check(script) WHERE rule = rulename $$;

SELECT plan(34);

-- vacuum_full.  VACUUM cannot run in a transaction block, and PostgreSQL
-- refuses it there before the guard judges anything; check() judges it as a
-- top-level statement.
SELECT throws_ok('VACUUM FULL big', '25001', NULL, 'vacuum_full: in a transaction block PostgreSQL''s own error comes first');
SELECT is(verdict('VACUUM FULL big', 'vacuum_full'), 'enforce', 'vacuum_full: refused');
SELECT is(verdict('VACUUM (FULL, ANALYZE) small, big', 'vacuum_full'), 'enforce', 'vacuum_full: any listed large table');
SELECT is(verdict('VACUUM FULL', 'vacuum_full'), 'enforce', 'vacuum_full: the whole database');
SELECT is(verdict('VACUUM FULL small', 'vacuum_full'), 'none', 'vacuum_full: small table passes');
SELECT is(verdict('VACUUM (FULL false) big', 'vacuum_full'), 'none', 'vacuum_full: FULL false passes');
SELECT is(verdict('VACUUM FULL big /* migration_guard:allow vacuum_full */', 'vacuum_full'), 'none', 'vacuum_full: directive');
SET migration_guard.small_table_threshold = '1GB';
SELECT is(verdict('VACUUM FULL', 'vacuum_full'), 'none', 'vacuum_full: a database of small tables passes');
SET migration_guard.small_table_threshold = '64kB';

-- cluster
SELECT throws_ok('CLUSTER big USING big_pkey', 'MG001', NULL, 'cluster: refused');
SELECT is(filenode('big'), (SELECT big FROM before), 'cluster: nothing rewritten');
SELECT throws_ok('CLUSTER big', '42704', NULL, 'cluster: without a clustered index it is PostgreSQL''s error');
SET migration_guard.mode = 'warn';
SELECT lives_ok('CLUSTER big USING big_pkey', 'cluster: warn lets it run');
RESET migration_guard.mode;
SELECT isnt(filenode('big'), (SELECT big FROM before), 'cluster: rewritten in warn');
SELECT throws_ok('CLUSTER big', 'MG001', NULL, 'cluster: the clustered index is used');
SELECT is(verdict('CLUSTER /* every clustered table */', 'cluster'), 'enforce', 'cluster: bare CLUSTER judges every clustered table');
SELECT lives_ok('CLUSTER small USING small_pkey', 'cluster: small table passes');
SELECT lives_ok($$CREATE TABLE fresh (id bigint PRIMARY KEY); INSERT INTO fresh SELECT generate_series(1, 20000);
                  CLUSTER fresh USING fresh_pkey$$, 'cluster: table created in this transaction passes');

-- truncate
SELECT throws_ok('TRUNCATE small', 'MG001', NULL, 'truncate: not size-exempt');
SELECT is((SELECT count(*) FROM small), 2::bigint, 'truncate: nothing deleted');
SELECT throws_ok('TRUNCATE parent CASCADE', 'MG001',
                 'TRUNCATE ... CASCADE would also empty tables not named in the statement: public.child and public.grandchild',
                 'truncate: CASCADE names the tables it reaches, transitively');
SELECT throws_ok('TRUNCATE ONLY big', 'MG001', NULL, 'truncate: ONLY');
SELECT lives_ok($$CREATE TABLE fresh2 (id int); INSERT INTO fresh2 VALUES (1); TRUNCATE fresh2$$,
                'truncate: table created in this transaction passes');
SELECT lives_ok($$CREATE TABLE fresh3 (id bigint PRIMARY KEY); CREATE TABLE fresh3_ref (id bigint REFERENCES fresh3);
                  TRUNCATE fresh3 CASCADE$$, 'truncate: CASCADE among new tables passes');
SET migration_guard.mode = 'warn';
SELECT lives_ok('TRUNCATE small', 'truncate: warn lets it run');
RESET migration_guard.mode;
SELECT is((SELECT count(*) FROM small), 0::bigint, 'truncate: emptied in warn');
SELECT lives_ok('TRUNCATE parent CASCADE -- migration_guard:allow truncate
', 'truncate: directive');
SELECT is((SELECT count(*) FROM grandchild), 0::bigint, 'truncate: CASCADE applied when allowed');

-- refresh_matview
SELECT throws_ok('REFRESH MATERIALIZED VIEW mv', 'MG001', NULL, 'refresh_matview: refused');
SELECT is(filenode('mv'), (SELECT mv FROM before), 'refresh_matview: nothing refreshed');
SELECT lives_ok('REFRESH MATERIALIZED VIEW mv_empty', 'refresh_matview: a view never populated passes');
SELECT lives_ok('REFRESH MATERIALIZED VIEW mv WITH NO DATA', 'refresh_matview: WITH NO DATA passes');
SELECT lives_ok('REFRESH MATERIALIZED VIEW mv', 'refresh_matview: now unpopulated, passes');
SELECT throws_ok('REFRESH MATERIALIZED VIEW CONCURRENTLY mv', '55000', NULL,
                 'refresh_matview: CONCURRENTLY passes the guard (PostgreSQL wants a unique index)');
SET migration_guard.rules = 'refresh_matview=off';
SELECT lives_ok('REFRESH MATERIALIZED VIEW mv', 'refresh_matview: rule off');
RESET migration_guard.rules;

SELECT * FROM finish();
