-- The durable expected head: set_expected_head() and clear_expected_head(),
-- their precedence over the GUC, formats, and the before-DDL check for
-- tools that record a migration outside its DDL's transaction.
SET client_min_messages = warning;
SET migration_guard.mode = off;
SELECT no_plan();

CREATE FUNCTION h() RETURNS text LANGUAGE sql AS $$
    SELECT state || ' ' || coalesce(tool, '-') || ' [' || array_to_string(current_heads, ',')
        || '] expects [' || array_to_string(expected_heads, ',') || ']'
    FROM migration_guard.head() $$;

-- Sequelize: records a migration after it ran
CREATE TABLE "SequelizeMeta" (name varchar(255) NOT NULL PRIMARY KEY);
INSERT INTO "SequelizeMeta" VALUES ('20240101000001-create-users.js'), ('20240101000002-create-posts.js');

SELECT is(h(), 'unset sequelize [20240101000002-create-posts.js] expects []', 'nothing declared: unset');

-- NULL behaviour
SELECT throws_ok($$SELECT migration_guard.set_expected_head(NULL)$$, '22004', NULL, 'a NULL head is refused');
SELECT throws_ok($$SELECT migration_guard.set_expected_head('x', NULL)$$, '22004', NULL, 'NULL known heads are refused');
SELECT throws_ok($$SELECT migration_guard.set_expected_head('a b')$$, '22023', NULL, 'a head with white space is refused as SET refuses it');
SELECT is(count(*), 0::bigint, 'nothing was written') FROM migration_guard.expected_head_setting;

-- formats: normalised to the stored version, or refused with the format
SELECT is(migration_guard.set_expected_head('20240101000002-create-posts'), '20240101000002-create-posts.js',
          'a head written without the extension Sequelize stores is normalised');
SELECT is(h(), 'at_head sequelize [20240101000002-create-posts.js] expects [20240101000002-create-posts.js]',
          'head() judges against the declared head');
SELECT throws_like($$SELECT migration_guard.set_expected_head('20240101000003-create-tags')$$,
          '%not written the way sequelize writes its versions%', 'a new head in another format is refused');
SELECT is(expected_head, '20240101000002-create-posts.js', 'and the setting is unchanged')
  FROM migration_guard.expected_head_setting;
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000003-create-tags.js')$$,
          'a new head in the stored format is accepted although not applied yet');
SELECT is(h(), 'behind sequelize [20240101000002-create-posts.js] expects [20240101000003-create-tags.js]', 'behind it');

-- precedence: a session SET overrides, a database setting does not
SET migration_guard.expected_head = '20240101000002-create-posts.js';
SELECT is(h(), 'at_head sequelize [20240101000002-create-posts.js] expects [20240101000002-create-posts.js]',
          'SET in the session overrides the declared head');
RESET migration_guard.expected_head;
SELECT is(h(), 'behind sequelize [20240101000002-create-posts.js] expects [20240101000003-create-tags.js]',
          'RESET returns to the declared head');
BEGIN;
SET LOCAL migration_guard.expected_head = '20240101000002-create-posts.js';
SELECT is(h(), 'at_head sequelize [20240101000002-create-posts.js] expects [20240101000002-create-posts.js]', 'SET LOCAL overrides');
ROLLBACK;
SELECT is(h(), 'behind sequelize [20240101000002-create-posts.js] expects [20240101000003-create-tags.js]',
          'and ends with its transaction');
SELECT lives_ok($$SELECT set_config('migration_guard.expected_head', '20240101000001-create-users.js', false)$$, 'set_config() in the session');
SELECT is(h(), 'ahead sequelize [20240101000002-create-posts.js] expects [20240101000001-create-users.js]', 'set_config() in the session overrides');
RESET migration_guard.expected_head;

-- transactional: a rolled-back declaration never happened
BEGIN;
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000001-create-users.js')$$, 'declare 20240101000001-create-users.js');
SELECT is(h(), 'ahead sequelize [20240101000002-create-posts.js] expects [20240101000001-create-users.js]',
          'the declaring transaction sees its own declaration');
ROLLBACK;
SELECT is(h(), 'behind sequelize [20240101000002-create-posts.js] expects [20240101000003-create-tags.js]',
          'a rolled-back declaration is gone');

-- before-DDL check: at the declared head, DDL is refused before it runs
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000002-create-posts.js')$$, 'declare 20240101000002-create-posts.js');
SELECT throws_ok($$CREATE TABLE tags (id bigint)$$, 'MG019', NULL,
                 'Sequelize at the expected head: CREATE TABLE refused before it ran');
SELECT is(to_regclass('tags'), NULL, 'nothing was created');
SELECT throws_like($$ALTER TABLE "SequelizeMeta" ADD COLUMN x int$$, '%refused before it ran%', 'ALTER TABLE too');
SELECT lives_ok($$CREATE TEMP TABLE scratch (id int)$$, 'temporary objects are no schema change');
SELECT lives_ok($$ALTER EXTENSION migration_guard UPDATE$$, 'updating the extension is not refused');
SELECT lives_ok($$CREATE TABLE IF NOT EXISTS "SequelizeMeta" (name varchar(255) NOT NULL PRIMARY KEY)$$,
                'CREATE TABLE IF NOT EXISTS of the existing version table is a no-op');
SET migration_guard.allow_downgrade = on;
SELECT lives_ok($$CREATE TABLE tags (id bigint)$$, 'allow_downgrade lifts it (a deliberate downgrade runs its DDL first)');
DROP TABLE tags;
RESET migration_guard.allow_downgrade;
SET migration_guard.check_head_before_ddl = off;
SELECT lives_ok($$CREATE TABLE tags (id bigint)$$, 'check_head_before_ddl = off lifts it');
DROP TABLE tags;
RESET migration_guard.check_head_before_ddl;
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000003-create-tags.js')$$, 'declare 20240101000003-create-tags.js');
SELECT lives_ok($$CREATE TABLE tags (id bigint)$$, 'behind the declared head, the migration runs');
DROP TABLE tags;

SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000002-create-posts.js')$$, 'declare 20240101000002-create-posts.js');

-- GUC format note: an expected head without the extension reads as ahead, and says why
SELECT lives_ok($$SELECT migration_guard.clear_expected_head()$$, 'clear the declaration');
SET migration_guard.expected_head = '20240101000002-create-posts';
SELECT throws_like($$SELECT migration_guard.assert_head()$$,
                   '%beyond the expected migration head%', 'a GUC value without the extension reads as ahead');
SELECT matches(detail, 'not written the way sequelize writes its versions.*nearest version in public."SequelizeMeta" is "20240101000002-create-posts.js"',
               'and head() says it is a format problem, with the nearest stored version')
  FROM migration_guard.head();
RESET migration_guard.expected_head;

-- a transactional tool (TypeORM) keeps the commit check, DDL is not refused early
DROP TABLE "SequelizeMeta";
CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
INSERT INTO migrations ("timestamp", name) VALUES (1700000000000, 'Init1700000000000');
SELECT lives_ok($$SELECT migration_guard.set_expected_head('Init1700000000000')$$, 'declare Init1700000000000');
SELECT lives_ok($$CREATE TABLE t2 (id bigint)$$, 'TypeORM at head: DDL runs, judged at commit with its version row');
DROP TABLE t2;
SET migration_guard.check_head_before_ddl = on;
SELECT throws_ok($$CREATE TABLE t2 (id bigint)$$, 'MG019', NULL, 'check_head_before_ddl = on applies to every tool');
RESET migration_guard.check_head_before_ddl;

-- clear_expected_head returns to the GUC
SELECT is(migration_guard.clear_expected_head(), true, 'clear_expected_head() removes the declaration');
SELECT is(migration_guard.clear_expected_head(), false, 'and says when there was none');
SELECT is(h(), 'unset typeorm [Init1700000000000] expects []', 'the GUC applies again');

-- formats known before the table holds a row
DROP TABLE migrations;
CREATE SCHEMA graphile_migrate;
CREATE TABLE graphile_migrate.migrations (hash text PRIMARY KEY, previous_hash text REFERENCES graphile_migrate.migrations, filename text NOT NULL, date timestamptz NOT NULL DEFAULT now());
SELECT throws_like($$SELECT migration_guard.set_expected_head('000003')$$,
                   '%not written the way graphile_migrate writes its versions%',
                   'an empty Graphile Migrate table: a head without .sql is refused');
SELECT is(migration_guard.set_expected_head('000003.sql'), '000003.sql', 'with .sql it is accepted');
SELECT lives_ok($$SELECT migration_guard.clear_expected_head()$$, 'clear the declaration');
DROP SCHEMA graphile_migrate CASCADE;

-- IF NOT EXISTS of an existing table is a no-op for every rule
SET migration_guard.mode = enforce;
CREATE TABLE parent (id bigint PRIMARY KEY);
SET lock_timeout = '1s';
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
SET lock_timeout = 0;
SELECT throws_ok($$CREATE TABLE child2 (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent)$$, 'MG005', NULL,
                 'a new table referencing an existing one needs a lock_timeout');
SELECT lives_ok($$CREATE TABLE IF NOT EXISTS child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent)$$,
                'CREATE TABLE IF NOT EXISTS of an existing table takes no lock and is not judged');
SELECT lives_ok($$CREATE SEQUENCE IF NOT EXISTS child_id_seq2$$, 'CREATE SEQUENCE IF NOT EXISTS (new) runs');
SELECT throws_ok($$CREATE INDEX IF NOT EXISTS child_pkey ON parent (id)$$, 'MG005', NULL,
                 'CREATE INDEX IF NOT EXISTS still takes the table lock: the lock rule judges it');
RESET lock_timeout;
SET migration_guard.mode = off;

SELECT * FROM finish();
