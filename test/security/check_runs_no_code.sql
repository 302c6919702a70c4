-- check() executes no user code.  A function written by an ordinary role
-- is planted where check() would evaluate it while judging or running a
-- script: a DEFAULT folded by the planner, an index expression whose
-- mutability is checked by planning it, a partition bound, an existing
-- CHECK constraint simplified to prove NOT NULL, a CREATE TABLE AS query.
-- The witness is a sequence: nextval() is not undone by check()'s
-- rollback, so if the function ran, the sequence moved.
SET client_min_messages = 'warning';
CREATE ROLE cc_planter;
GRANT CREATE ON SCHEMA public TO cc_planter;
SET ROLE cc_planter;
CREATE SEQUENCE witness;
CREATE FUNCTION evil() RETURNS int LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN PERFORM nextval('witness'); RETURN 1; END $$;
CREATE FUNCTION evil_sql() RETURNS int LANGUAGE sql IMMUTABLE AS
  $$ SELECT evil() $$;
CREATE TABLE big (id bigint PRIMARY KEY, a int, b int);
INSERT INTO big SELECT g, g, g FROM generate_series(1, 500) g;
CREATE TABLE guarded (id bigint PRIMARY KEY, a int CHECK (a IS NOT NULL OR evil() = 2));
INSERT INTO guarded SELECT g, g FROM generate_series(1, 100) g;
RESET ROLE;
GRANT USAGE ON SEQUENCE witness TO PUBLIC;
-- (creating guarded's CHECK folded evil() already: start the witness now)
SELECT setval('witness', 1, false);

BEGIN;
SELECT plan(20);
SET LOCAL migration_guard.small_table_threshold = 0;
CREATE FUNCTION moved() RETURNS boolean LANGUAGE sql AS
  $$ SELECT is_called FROM witness $$;
CREATE FUNCTION notes(script text) RETURNS text LANGUAGE sql AS
  $$ SELECT coalesce(string_agg(coalesce(rule, '-') || ':' || coalesce(note, ''), ' / ' ORDER BY statement), '')
       FROM migration_guard.check(script, include_off => true) $$;

-- Run as the superuser (the caller most worth attacking) ...
SELECT alike(notes('ALTER TABLE big ADD COLUMN c int DEFAULT evil()'), '%does not call the function %evil()%',
            'DEFAULT on an existing table: the judge does not fold evil()');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT alike(notes('CREATE TABLE n1 (a int); ALTER TABLE n1 ADD COLUMN b int DEFAULT evil()'), '%does not call the function %evil()%',
            'ADD COLUMN DEFAULT on a new table is not run with evil()');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT alike(notes('CREATE TABLE n2 (a int); CREATE INDEX ON n2 ((a + evil()))'), '%does not call the function %evil()%',
            'an index expression is not planned with evil()');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT alike(notes('CREATE TABLE n3 (a int) PARTITION BY RANGE (a); CREATE TABLE n3a PARTITION OF n3 FOR VALUES FROM (evil()) TO (10)'),
            '%does not call the function %evil()%', 'a partition bound is not evaluated');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT lives_ok($$SELECT notes('ALTER TABLE guarded ALTER COLUMN a SET NOT NULL')$$,
                'an existing CHECK constraint calling evil() is not folded (judged or refused, not run)');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT lives_ok($$SELECT notes('CREATE TABLE n4 AS SELECT evil() AS x')$$, 'CREATE TABLE AS is created without running its query');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT alike(notes('CREATE TABLE n5 (a int); CREATE INDEX ON n5 ((a + evil_sql()))'), '%does not call the function %evil_sql()%',
            'an inlinable SQL function is not inlined around the restriction');
SELECT ok(NOT moved(), '... and evil() did not run');
SELECT alike(notes('CREATE TABLE n6 (a int DEFAULT 1); ALTER TABLE n6 ADD COLUMN b int GENERATED ALWAYS AS (a + evil()) STORED'),
            '%', 'a generated column expression (judged or refused)');
SELECT ok(NOT moved(), '... and evil() did not run');

-- ... and as the cc_planter itself: check() is the same for everyone.
SET ROLE cc_planter;
SELECT alike(notes('ALTER TABLE big ADD COLUMN c int DEFAULT evil()'), '%does not call the function %evil()%',
            'for the function''s owner too');
RESET ROLE;
SELECT ok(NOT moved(), '... and evil() did not run');

-- Outside check(), the same statement runs the function as PostgreSQL does.
SET LOCAL migration_guard.mode = 'off';
ALTER TABLE big ADD COLUMN c int DEFAULT evil();
SELECT ok(moved(), 'the witness works: running the statement for real calls evil()');
SELECT lives_ok($$SELECT count(*) FROM migration_guard.check('ALTER TABLE big ADD COLUMN d int DEFAULT evil()'); SELECT evil()$$,
                'after check(), nothing is left restricted');

SELECT * FROM finish();
ROLLBACK;
