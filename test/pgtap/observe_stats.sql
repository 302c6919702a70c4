-- migration_guard.stats: the counters after scripted events.  Each pgTAP
-- file has its own database, so this database's row starts from nothing;
-- the assertions still compare against a snapshot taken first.
SET client_min_messages = 'warning';
SET migration_guard.small_table_threshold = 0;
CREATE TABLE t (id int PRIMARY KEY, v text, w int);
INSERT INTO t SELECT g, 'v' || g, NULL FROM generate_series(1, 500) g;

CREATE FUNCTION db_row() RETURNS migration_guard.stats LANGUAGE sql
  AS $$ SELECT * FROM migration_guard.stats WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND rule IS NULL $$;
CREATE FUNCTION rule_row(text) RETURNS migration_guard.stats LANGUAGE sql
  AS $$ SELECT * FROM migration_guard.stats WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND rule = $1 $$;
CREATE TEMP TABLE before AS SELECT * FROM migration_guard.stats
  WHERE datname = current_database();

SELECT plan(23);

-- judged: statements a rule may concern; SET and SELECT are not judged
CREATE TEMP TABLE j0 AS SELECT coalesce((db_row()).judged, 0) AS n;
CREATE TABLE u (id int);
SELECT is((db_row()).judged - (SELECT n FROM j0), 1::bigint, 'judged: CREATE TABLE counted');
SET work_mem = '8MB';
SHOW work_mem;
SELECT is((db_row()).judged - (SELECT n FROM j0), 1::bigint, 'judged: SET and SHOW not');

-- refused
SELECT throws_ok('CREATE INDEX t_a ON t (v)', 'MG001', NULL, 'a refusal');
SELECT throws_ok('CREATE INDEX t_b ON t (v)', 'MG001', NULL, 'another refusal');
SELECT is((rule_row('create_index')).refused, 2::bigint, 'refused: counted per rule');
SELECT isnt((rule_row('create_index')).last_refused, NULL, 'refused: the time of the last one');
SELECT is((db_row()).refused, 2::bigint, 'refused: the database total');

-- warned
SET migration_guard.mode = 'warn';
CREATE INDEX t_c ON t (v);
RESET migration_guard.mode;
SELECT is((rule_row('create_index')).warned, 1::bigint, 'warned: counted');
SELECT is((rule_row('create_index')).overridden_severity, 1::bigint,
          'warned where the rule enforces: an override by severity');

-- overrides by mechanism
SET migration_guard.allow = 'create_index';
CREATE INDEX t_d ON t (v);
RESET migration_guard.allow;
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX t_e ON t (v);
CREATE INDEX t_f ON t (v);
ROLLBACK;
CREATE INDEX t_g ON t (v) /* migration_guard:allow create_index */;
SELECT is((rule_row('create_index')).overridden_set, 1::bigint, 'override by SET');
SELECT is((rule_row('create_index')).overridden_set_local, 2::bigint,
          'override by SET LOCAL (counted even when rolled back: counters are not transactional)');
SELECT is((rule_row('create_index')).overridden_directive, 1::bigint, 'override by a directive');
SELECT isnt((rule_row('create_index')).last_override, NULL, 'the time of the last override');
SELECT is((db_row()).overridden_set + (db_row()).overridden_set_local
          + (db_row()).overridden_directive + (db_row()).overridden_severity, 5::bigint,
          'the database total sums the rules');
SELECT is(rule_row('drop_column'), NULL, 'rules without events have no row');

-- backfill batches and rows
SELECT is((db_row()).backfill_batches, 0::bigint, 'no backfill yet');
CALL migration_guard.backfill('obs_w', 't', 'w = id', 'w IS NULL', batch_size => 200,
                              min_batch_size => 200, max_batch_size => 200, target_batch_time => '0');
SELECT cmp_ok((db_row()).backfill_batches, '>=', 3::bigint, 'backfill: its batches');
SELECT is((db_row()).backfill_rows, 500::bigint, 'backfill: its rows');
SELECT isnt((db_row()).last_backfill_batch, NULL, 'backfill: the time of the last batch');

-- the view's shape: one total row per database, and the reset time
SELECT is((SELECT count(*) FROM migration_guard.stats WHERE datname = current_database() AND rule IS NULL),
          1::bigint, 'one total row per database');
SELECT isnt((db_row()).stats_reset, NULL, 'the reset time');

-- stats_reset
SELECT lives_ok('SELECT migration_guard.stats_reset()', 'a superuser resets');
SELECT is((db_row()).judged, 0::bigint, 'after the reset: zero');

SELECT * FROM finish();
