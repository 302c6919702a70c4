-- Attacks on the durable expected head (set_expected_head), the exemption
-- of migration tools' bookkeeping tables, and CREATE ... IF NOT EXISTS
-- judged as a no-op.  Every attack must fail and leave nothing changed.
SET client_min_messages = error;
SET migration_guard.mode = off;
SELECT no_plan();

CREATE ROLE hx_mallory LOGIN;
CREATE ROLE hx_deployer LOGIN;
GRANT SET ON PARAMETER migration_guard.expected_head TO hx_deployer;
GRANT CREATE ON SCHEMA public TO hx_mallory;
CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO hx_mallory;

CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz);
CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, is_locked integer);
INSERT INTO knex_migrations (name, batch) VALUES ('20240101000001_account.js', 1);
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000001_account.js')$$, 'the DBA declares the head');

------------------------------------------------------------ the setting
SET ROLE hx_mallory;
SELECT throws_ok($$SELECT migration_guard.set_expected_head('20990101000000_evil.js')$$, '42501', NULL,
                 'an ordinary role cannot declare the expected head');
SELECT throws_ok($$SELECT migration_guard.set_expected_head('')$$, '42501', NULL,
                 'nor turn head enforcement off with an empty head');
SELECT throws_ok($$SELECT migration_guard.clear_expected_head()$$, '42501', NULL,
                 'nor clear the declaration');
SELECT throws_ok($$UPDATE migration_guard.expected_head_setting SET expected_head = ''$$, '42501', NULL,
                 'nor write the setting table');
SELECT throws_ok($$INSERT INTO migration_guard.expected_head_setting (expected_head, set_by) VALUES ('x', 'me')$$, '42501', NULL,
                 'nor insert into it');
SELECT throws_ok($$DELETE FROM migration_guard.expected_head_setting$$, '42501', NULL, 'nor delete from it');
SELECT throws_ok($$TRUNCATE migration_guard.expected_head_setting$$, '42501', NULL, 'nor truncate it');
SELECT throws_ok($$SELECT migration_guard.expected_head_changed()$$, '42501', NULL,
                 'nor call the invalidation trigger function');
SELECT throws_ok($$SET migration_guard.expected_head = ''$$, '42501', NULL,
                 'nor override it for the session');
SELECT throws_ok($$SET migration_guard.check_head_before_ddl = off$$, '42501', NULL,
                 'nor turn the before-DDL check off');
-- a look-alike table first on the search_path is not the setting
CREATE TABLE public.expected_head_setting (id boolean, expected_head text, known_heads text, set_at timestamptz, set_by text);
INSERT INTO public.expected_head_setting VALUES (true, '', '', now(), 'hx_mallory');
SET search_path = public, migration_guard;
SELECT is(array_to_string(expected_heads, ','), '20240101000001_account.js',
          'a look-alike setting table on the search_path is ignored') FROM migration_guard.head();
RESET search_path;
DROP TABLE public.expected_head_setting;
RESET ROLE;
SELECT is(expected_head || '|' || set_by, '20240101000001_account.js|postgres', 'the declaration is unchanged')
  FROM migration_guard.expected_head_setting;
-- no table of the same name planted in the extension's schema
SELECT throws_ok($$SET ROLE hx_mallory; CREATE TABLE migration_guard.evil (x int)$$, '42501', NULL,
                 'an ordinary role cannot create tables in the extension''s schema');
RESET ROLE;

-- a deploying role with SET on the parameter may declare
SET ROLE hx_deployer;
SELECT is(migration_guard.set_expected_head('20240101000001_account.js'), '20240101000001_account.js',
          'a role granted SET ON PARAMETER migration_guard.expected_head may declare');
SELECT is(set_by, 'hx_deployer', 'and is recorded as the one who did') FROM migration_guard.expected_head_setting;
RESET ROLE;

------------------------------------------------------------ bookkeeping exemption
CREATE TABLE app.knex_migrations_lock (index serial PRIMARY KEY, is_locked integer, payload text);
ALTER TABLE app.knex_migrations_lock OWNER TO hx_mallory;
CREATE TABLE public.orders (id bigint PRIMARY KEY);
ALTER TABLE public.orders OWNER TO hx_mallory;
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent);
GRANT REFERENCES ON parent TO hx_mallory;
CREATE SCHEMA hx_mallory_s AUTHORIZATION hx_mallory;
SET migration_guard.mode = enforce;
SET lock_timeout = 0;
SELECT lives_ok($$LOCK TABLE knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$,
                'the detected tool''s lock table: no lock_timeout needed');
SET ROLE hx_mallory;
SELECT throws_ok($$LOCK TABLE app.knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$, 'MG005', NULL,
                 'a production table named like the tool''s lock table in another schema is judged');
SELECT throws_ok($$ALTER TABLE public.orders ADD COLUMN x int$$, 'MG005', NULL,
                 'an ordinary production table is judged');
-- a second table named like the version table: two candidates, nothing exempt
CREATE TABLE app.knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz);
RESET ROLE;
SELECT throws_ok($$LOCK TABLE public.knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$, 'MG005', NULL,
                 'with two candidate version tables, even the real lock table is judged');
SET migration_guard.mode = off;
DROP TABLE app.knex_migrations;
-- a companion without the tool's column is not the tool's
DROP TABLE knex_migrations_lock;
CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, busy integer);
SET migration_guard.mode = enforce;
SELECT throws_ok($$LOCK TABLE public.knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$, 'MG005', NULL,
                 'a table with the lock table''s name but not its columns is judged');

------------------------------------------------------------ IF NOT EXISTS
SET ROLE hx_mallory;
SET search_path = hx_mallory_s, public;
SELECT throws_ok($$CREATE TABLE IF NOT EXISTS child (id bigint PRIMARY KEY, parent_id bigint REFERENCES public.parent)$$,
                 'MG005', NULL,
                 'IF NOT EXISTS of a name that exists only later on the search_path creates a table: it is judged');
SELECT is(to_regclass('hx_mallory_s.child'), NULL, 'and nothing was created');
RESET search_path;
RESET ROLE;
SELECT lives_ok($$CREATE TABLE IF NOT EXISTS public.child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent)$$,
                'the same statement for the existing table is the no-op it is');
RESET lock_timeout;
SET migration_guard.mode = off;

SELECT * FROM finish();

-- roles are the cluster's: leave none behind
DROP SCHEMA app CASCADE;
DROP SCHEMA hx_mallory_s CASCADE;
DROP TABLE public.orders;
REVOKE SET ON PARAMETER migration_guard.expected_head FROM hx_deployer;
DROP OWNED BY hx_mallory, hx_deployer;
DROP ROLE hx_mallory, hx_deployer;
