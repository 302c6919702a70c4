-- The table_rewrite backstop, behaviour.
SET client_min_messages = warning;
SET migration_guard.small_table_threshold = '64kB';
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE big (id bigint PRIMARY KEY, v text, n int);
INSERT INTO big SELECT g, 'value ' || g, g FROM generate_series(1, 5000) g;
CREATE TABLE small (id bigint, v text);
INSERT INTO small VALUES (1, 'a');
CREATE TABLE part (id bigint, n int) PARTITION BY RANGE (id);
CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (5000);
CREATE TABLE part_2 PARTITION OF part FOR VALUES FROM (5000) TO (10000);
INSERT INTO part SELECT g, g FROM generate_series(1, 9999) g;
CREATE FUNCTION filenode(regclass) RETURNS oid LANGUAGE sql
  AS $$ SELECT relfilenode FROM pg_class WHERE oid = $1 $$;
CREATE TEMP TABLE before AS SELECT filenode('big') AS big;
CREATE ROLE bs_owner;
CREATE TABLE owned (id bigint, v text);
INSERT INTO owned SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
ALTER TABLE owned OWNER TO bs_owner;

SELECT plan(21);

SELECT is((SELECT count(*) FROM pg_event_trigger e JOIN pg_depend d
            ON d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid AND d.deptype = 'e'
          WHERE e.evtname = 'migration_guard_table_rewrite' AND e.evtevent = 'table_rewrite'),
          1::bigint, 'the event trigger exists and belongs to the extension');

SELECT throws_ok('ALTER TABLE big SET ACCESS METHOD heap2', 'MG006', NULL, 'an unpredicted rewrite is refused');
SELECT is(filenode('big'), (SELECT big FROM before), 'nothing rewritten');
SELECT lives_ok('ALTER TABLE small SET ACCESS METHOD heap2', 'a small table passes');
SELECT lives_ok($$CREATE TABLE fresh (id int); INSERT INTO fresh SELECT generate_series(1, 20000);
                  ALTER TABLE fresh SET ACCESS METHOD heap2$$, 'a table created in this transaction passes');
SELECT lives_ok('ALTER TABLE big ADD COLUMN note text', 'ALTER TABLE without a rewrite is not concerned');
SELECT lives_ok('ALTER TABLE big SET ACCESS METHOD heap2 -- migration_guard:allow table_rewrite
', 'directive');
SELECT isnt(filenode('big'), (SELECT big FROM before), 'rewritten when allowed');
SET migration_guard.allow = 'table_rewrite';
SELECT lives_ok('ALTER TABLE big SET ACCESS METHOD heap', 'migration_guard.allow');
RESET migration_guard.allow;
SET migration_guard.mode = 'warn';
SELECT lives_ok('ALTER TABLE big SET ACCESS METHOD heap2', 'warn lets it run');
RESET migration_guard.mode;
SET migration_guard.rules = 'table_rewrite=off';
SELECT lives_ok('ALTER TABLE big SET ACCESS METHOD heap', 'rule off');
RESET migration_guard.rules;
SELECT throws_ok($q$DO $x$ BEGIN EXECUTE 'ALTER TABLE big SET ACCESS METHOD heap2'; END $x$$q$, 'MG006', NULL,
                 'judged inside a DO block');
SELECT throws_ok('ALTER MATERIALIZED VIEW mv SET ACCESS METHOD heap2', '42P01', NULL,
                 'a missing relation is PostgreSQL''s error');
CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM big;
SELECT throws_ok('ALTER MATERIALIZED VIEW mv SET ACCESS METHOD heap2', 'MG006', NULL,
                 'ALTER MATERIALIZED VIEW rewrites are judged too');

-- Predicted or accepted rewrites are not refused a second time.
SET migration_guard.rules = 'alter_column_type=warn';
SELECT lives_ok('ALTER TABLE big ALTER COLUMN n TYPE bigint', 'predicted by alter_column_type (warn): not refused');
SELECT lives_ok('ALTER TABLE part ALTER COLUMN n TYPE bigint', 'partitions of a predicted parent: not refused');
RESET migration_guard.rules;
SELECT lives_ok('ALTER TABLE big ALTER COLUMN n TYPE int /* migration_guard:allow alter_column_type */',
                'alter_column_type allowed: not refused');
SET migration_guard.rules = 'add_column_volatile_default=warn';
SELECT lives_ok('ALTER TABLE big ADD COLUMN r float8 DEFAULT random()', 'predicted by add_column_volatile_default (warn): not refused');
RESET migration_guard.rules;
SELECT throws_ok('ALTER TABLE big SET ACCESS METHOD heap2 /* migration_guard:allow alter_column_type */', 'MG006', NULL,
                 'allowing another rule does not let an access method change through');

-- An ordinary role: the trigger runs for it, and its directive is ignored.
SET ROLE bs_owner;
SELECT throws_ok('ALTER TABLE owned SET ACCESS METHOD heap2 -- migration_guard:allow table_rewrite
', 'MG006', NULL, 'an ordinary role cannot use the directive');
RESET ROLE;

-- The function is only an event trigger.
SELECT throws_ok('SELECT migration_guard._table_rewrite_backstop()', NULL, NULL, 'cannot be called directly');

SELECT * FROM finish();
