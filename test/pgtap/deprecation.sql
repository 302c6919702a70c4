-- Deprecation: deprecate()/undeprecate(), usage counted through every
-- route a query takes, the signal, and the drop/rename rules judging by
-- the evidence (refusal messages, quiet period, heads, escape hatch).
SET client_min_messages = warning;
SET migration_guard.rules = 'lock_timeout=off, multiple_exclusive_locks=off, lock_held_across_statements=off';
SET migration_guard.deprecated_use = off;

CREATE TABLE people (id bigint PRIMARY KEY, name text, nick text, born date, note text, extra text);
INSERT INTO people VALUES (1, 'Ann', 'a', '2000-01-01', 'n', 'e');
CREATE TABLE history (id bigint, what text);
CREATE TABLE kids (toy text) INHERITS (people);
CREATE VIEW people_v AS SELECT id, nick FROM people;
CREATE FUNCTION nick_of(bigint) RETURNS text LANGUAGE plpgsql STABLE
  AS $$BEGIN RETURN (SELECT nick FROM people WHERE id = $1); END$$;
DO $$ BEGIN CREATE ROLE tap_app; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT SELECT, INSERT, UPDATE ON people, people_v TO tap_app;
GRANT SELECT ON history TO tap_app;

CREATE FUNCTION uses(obj text) RETURNS bigint LANGUAGE sql
  AS $$SELECT coalesce((SELECT uses FROM migration_guard.deprecations WHERE object = obj), -1)$$;
-- message and detail of the error a statement raises, or 'no error'
CREATE FUNCTION err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text; d text; h text; s text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT, s = RETURNED_SQLSTATE;
  RETURN s || ': ' || m || ' | ' || coalesce(d, '') || ' | ' || coalesce(h, '');
END $$;
CREATE FUNCTION col_exists(regclass, name) RETURNS boolean LANGUAGE sql AS
  $$ SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = $1 AND attname = $2 AND NOT attisdropped) $$;

SELECT plan(36);

-- deprecate(): arguments and privileges
SELECT throws_ok($$SELECT migration_guard.deprecate(NULL)$$, '22004', NULL, 'deprecate: NULL relation is an error');
SELECT throws_ok($$SELECT migration_guard.deprecate('people', 'missing')$$, '42703', NULL, 'deprecate: missing column');
SELECT throws_ok($$SELECT migration_guard.deprecate('people_pkey')$$, '42809', NULL, 'deprecate: an index is refused');
SELECT throws_ok($$SELECT migration_guard.deprecate('kids', 'toy')$$, '42809', NULL, 'deprecate: an inheritance child is refused');
SET ROLE tap_app;
SELECT throws_ok($$SELECT migration_guard.deprecate('people', 'nick')$$, '42501', NULL, 'deprecate: ordinary role refused');
RESET ROLE;
SELECT is((SELECT count(*) FROM migration_guard.deprecated_objects), 0::bigint, 'deprecate: nothing written by refused calls');
SELECT ok(migration_guard.deprecate('people', 'nick', 'use name'), 'deprecate: a column');
SELECT ok(NOT migration_guard.deprecate('people', 'nick'), 'deprecate: again returns false');
SELECT is((SELECT reason FROM migration_guard.deprecations WHERE object = 'people.nick'), 'use name', 'deprecate: a NULL reason keeps the earlier one');
SELECT ok(migration_guard.deprecate('history'), 'deprecate: a whole table');

-- usage, through every route
SELECT is(uses('people.nick'), 0::bigint, 'usage: nothing counted yet');
SELECT nick FROM people;
SELECT is(uses('people.nick'), 1::bigint, 'usage: a column named');
SELECT id FROM people;
SELECT is(uses('people.nick'), 1::bigint, 'usage: a query not naming it is no use');
SELECT * FROM people WHERE false;
SELECT is(uses('people.nick'), 2::bigint, 'usage: SELECT * counts');
SELECT id FROM people_v;
SELECT is(uses('people.nick'), 3::bigint, 'usage: through a view');
DROP VIEW people_v;
SELECT nick_of(1);
SELECT is(uses('people.nick'), 4::bigint, 'usage: through a PL/pgSQL function');
PREPARE q AS SELECT count(*) FROM people WHERE nick IS NOT NULL;
EXECUTE q;
EXECUTE q;
SELECT is(uses('people.nick'), 6::bigint, 'usage: every execution of a prepared statement');
INSERT INTO people (id, name, nick) VALUES (2, 'Bob', 'b');
UPDATE people SET nick = 'bb' WHERE id = 2;
SELECT is(uses('people.nick'), 8::bigint, 'usage: INSERT and UPDATE of the column');
SELECT nick FROM kids;
SELECT is(uses('people.nick'), 9::bigint, 'usage: a child of the deprecated parent, named directly');
SET ROLE tap_app;
SET application_name = 'web';
SELECT count(*) FROM history;
RESET application_name;
RESET ROLE;
SELECT is((SELECT recent_users -> 0 ->> 'application_name' FROM migration_guard.deprecations WHERE object = 'history'),
          'web', 'usage: the application_name of the last use');

-- deprecated after the SELECT *: never used since
SELECT ok(migration_guard.deprecate('people', 'born'), 'deprecate: a column nobody will use');

-- the signal
SET migration_guard.deprecated_use = warning;
SELECT is(err($x$DO $d$ BEGIN SET LOCAL client_min_messages = error; PERFORM nick FROM people; END $d$$x$), 'no error',
          'signal: a warning is no error');
SET migration_guard.deprecated_use = off;

-- the rules: used within the quiet period
SET migration_guard.deprecation_quiet_period = '1h';
SELECT matches(err('ALTER TABLE people DROP COLUMN nick'),
               '^MG003: dropping deprecated column "nick" of public.people, which is still in use \| It was used 10 times since .*, last by role "[^"]+" \(application_name "[^"]*", query id -?[0-9]+\) at .*migration_guard.deprecation_quiet_period is 1h\.',
               'refused while in use: when, how often, by whom');
SELECT ok(col_exists('people', 'nick'), 'refused: nothing dropped');
SELECT matches(err('DROP TABLE history'), '^MG003: dropping deprecated relation public.history, which is still in use \| It was used once since .*: by role "tap_app" \(application_name "web"',
               'refused: a table used once names that use');
SELECT matches(err('ALTER TABLE people RENAME COLUMN nick TO nickname'), '^MG003: renaming deprecated column "nick"',
               'rename_column refused while in use');
SELECT matches(err('ALTER TABLE people DROP COLUMN born'), '^MG003: dropping deprecated column "born" of public.people before its quiet period has passed \| Nothing has used it since it was deprecated at',
               'refused: unused, but deprecated less than the period ago');
SELECT matches(err('ALTER TABLE people DROP COLUMN note'), '^no error',
               'never deprecated: a warning only (the contract step)');
SET migration_guard.mode = warn;
SELECT is(err($x$DO $d$ BEGIN SET LOCAL client_min_messages = error; ALTER TABLE people RENAME COLUMN extra TO extra2; RAISE EXCEPTION 'rolled back'; END $d$$x$),
          'P0001: rolled back |  | ', 'warn mode: the rename runs');
RESET migration_guard.mode;
SELECT matches(err('ALTER TABLE people RENAME COLUMN extra TO extra2'), 'Deprecate it first: SELECT migration_guard.deprecate\(''public.people'', ''extra''\)',
               'never deprecated: the finding says to deprecate it first');

-- quiet for the period
SET migration_guard.deprecation_quiet_period = '1s';
SELECT pg_sleep(1.1);
SELECT lives_ok('ALTER TABLE people DROP COLUMN born', 'quiet for the period: the drop passes');
SELECT ok(NOT col_exists('people', 'born'), 'quiet: dropped');
SELECT nick FROM people;
SELECT matches(err('ALTER TABLE people DROP COLUMN nick'), 'which is still in use', 'a use restarts the period');
BEGIN;
SET LOCAL migration_guard.allow = 'drop_column';
SELECT lives_ok('ALTER TABLE people DROP COLUMN nick', 'the escape hatch lets it through');
ROLLBACK;

-- undeprecate
SELECT ok(migration_guard.undeprecate('history'), 'undeprecate: true when it was deprecated');
SELECT is(uses('history'), -1::bigint, 'undeprecate: off the list');

SELECT * FROM finish();
