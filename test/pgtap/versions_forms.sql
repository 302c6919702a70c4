-- DDL forms added in PostgreSQL 17 and 18, judged against what the running
-- server really does.  For each form, on the versions that have it:
--   1. what PostgreSQL does, measured: "rewrite" (the relfilenode changed),
--      "scan" (a sequential scan of the table counted in this transaction),
--      or "catalog" (neither);
--   2. the guard's verdict from check(): the rewrite/scan rules that fire;
--   3. the lock the guard predicts (statement_locks) against pg_locks.
-- Each statement runs in a subtransaction that is rolled back.  Versions
-- without a form skip its tests, so every version runs the same plan.
SET client_min_messages = 'warning';
SET migration_guard.mode = 'off';	-- the measurements run the statements
SET migration_guard.small_table_threshold = 0;
SET lock_timeout = 0;

CREATE FUNCTION vf_since(v int) RETURNS bool LANGUAGE sql AS $$
  SELECT current_setting('server_version_num')::int >= v
$$;

-- Runs a statement of this version only when it has it.
CREATE FUNCTION vf_exec(v int, stmt text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF vf_since(v) THEN EXECUTE stmt; END IF;
END$$;

-- What the statement does to table rel, measured and rolled back.
CREATE FUNCTION vf_effect(stmt text, rel regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  node_before oid := pg_relation_filenode(rel);
  scans_before bigint := pg_stat_get_xact_numscans(rel);
  result text;
BEGIN
  BEGIN
    EXECUTE stmt;
    result := CASE
      WHEN pg_relation_filenode(rel) IS DISTINCT FROM node_before THEN 'rewrite'
      WHEN pg_stat_get_xact_numscans(rel) > scans_before THEN 'scan'
      ELSE 'catalog' END;
    RAISE EXCEPTION 'vf_undo';
  EXCEPTION
    WHEN raise_exception THEN
      IF SQLERRM <> 'vf_undo' THEN RETURN 'error: ' || SQLERRM; END IF;
    WHEN OTHERS THEN
      RETURN 'error: ' || SQLERRM;
  END;
  RETURN result;
END$$;

-- The rewrite and scan rules check() reports for the statement, in enforce.
CREATE FUNCTION vf_rules(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(DISTINCT rule, ', '), 'none')
    FROM migration_guard."check"(stmt, 'enforce')
   WHERE rule IN ('add_column_volatile_default', 'alter_column_type', 'set_not_null',
                  'add_check_constraint', 'add_foreign_key', 'add_unique_constraint',
                  'add_primary_key', 'add_exclusion_constraint', 'create_index',
                  'table_rewrite', 'set_logged', 'set_tablespace')
$$;

-- Predicted and observed locks, as test/pgtap/locks_levels.sql compares them.
CREATE FUNCTION vf_predicted(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(relation::text || '=' || mode, ', ' ORDER BY relation::text), '')
    FROM migration_guard.statement_locks(stmt)
$$;
CREATE FUNCTION vf_observed(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  rels oid[];
  names text[];
  result text;
BEGIN
  SELECT array_agg(relation::oid), array_agg(relation::text)
    INTO rels, names FROM migration_guard.statement_locks(stmt);
  BEGIN
    EXECUTE stmt;
    SELECT coalesce(string_agg(names[array_position(rels, l.relation)] || '=' || l.mode, ', '
                               ORDER BY names[array_position(rels, l.relation)]), '')
      INTO result
      FROM (SELECT relation,
                   (ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE',
                          'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'])[
                     max(array_position(ARRAY['AccessShareLock', 'RowShareLock', 'RowExclusiveLock',
                                              'ShareUpdateExclusiveLock', 'ShareLock',
                                              'ShareRowExclusiveLock', 'ExclusiveLock',
                                              'AccessExclusiveLock'], mode))] AS mode
              FROM pg_locks
             WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND relation = ANY (rels)
             GROUP BY relation) l;
    RAISE EXCEPTION 'vf_undo';
  EXCEPTION
    WHEN raise_exception THEN
      IF SQLERRM <> 'vf_undo' THEN RETURN 'error: ' || SQLERRM; END IF;
    WHEN OTHERS THEN
      RETURN 'error: ' || SQLERRM;
  END;
  RETURN result;
END$$;

-- One form: three tests on the versions that have it, three skips elsewhere.
CREATE FUNCTION vf_form(since int, stmt text, rel regclass, effect text, rules text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  IF NOT vf_since(since) THEN
    RETURN NEXT skip(format('PostgreSQL %s form', since / 10000), 3);
    RETURN;
  END IF;
  RETURN NEXT is(vf_effect(stmt, rel), effect, stmt || ': PostgreSQL does a ' || effect);
  RETURN NEXT is(vf_rules(stmt), rules, stmt || ': the guard reports ' || rules);
  RETURN NEXT is(vf_observed(stmt), vf_predicted(stmt), stmt || ': predicted locks are the locks taken');
END$$;

-- Tables, committed before the tests; the forms of a version only there.
-- Row counts are small but the size threshold is 0, so every rule applies.
CREATE TABLE vf_parent (id bigint PRIMARY KEY);
INSERT INTO vf_parent SELECT generate_series(1, 100);
CREATE TABLE vf (id bigint PRIMARY KEY, a int, n int, p bigint);
INSERT INTO vf SELECT g, g, g, g FROM generate_series(1, 100) g;
CREATE TABLE vf_part (id bigint, k int) PARTITION BY RANGE (k);
CREATE TABLE vf_part1 PARTITION OF vf_part FOR VALUES FROM (0) TO (1000);
INSERT INTO vf_part SELECT g, g FROM generate_series(1, 100) g;
CREATE ACCESS METHOD vf_heap2 TYPE TABLE HANDLER heap_tableam_handler;
ALTER TABLE vf ADD COLUMN gs int GENERATED ALWAYS AS (a * 2) STORED;
CREATE TABLE vf_nn_parent (id bigint, n int);
INSERT INTO vf_nn_parent SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE vf_nn_child () INHERITS (vf_nn_parent);
INSERT INTO vf_nn_child SELECT g, g FROM generate_series(1, 100) g;
SELECT vf_exec(180000, $$ALTER TABLE vf ADD COLUMN gv int GENERATED ALWAYS AS (a * 2) VIRTUAL$$);
SELECT vf_exec(180000, $$ALTER TABLE vf ADD CONSTRAINT vf_n_nn NOT NULL n NOT VALID$$);
SELECT vf_exec(180000, $$ALTER TABLE vf ADD CONSTRAINT vf_p_fk_ne FOREIGN KEY (p) REFERENCES vf_parent NOT ENFORCED$$);
SELECT vf_exec(180000, $$ALTER TABLE vf_nn_parent ADD CONSTRAINT vf_nn_parent_n NOT NULL n NO INHERIT$$);
SELECT vf_exec(180000, $$ALTER TABLE vf_nn_parent ADD CONSTRAINT vf_nn_parent_id NOT NULL id$$);
CREATE EXTENSION IF NOT EXISTS btree_gist;
SELECT vf_exec(180000, $$CREATE TABLE vf_period_parent (id int, valid_at daterange,
    PRIMARY KEY (id, valid_at WITHOUT OVERLAPS))$$);
SELECT vf_exec(180000, $$INSERT INTO vf_period_parent SELECT g, daterange('2020-01-01', '2030-01-01') FROM generate_series(1, 100) g$$);
CREATE TABLE vf_period (id int, valid_at daterange);
INSERT INTO vf_period SELECT g, daterange('2021-01-01', '2022-01-01') FROM generate_series(1, 100) g;
ANALYZE;

SELECT plan(67);

-- PostgreSQL 17: SET EXPRESSION recomputes a stored generated column for
-- every row; SET ACCESS METHOD on a partitioned table only changes what new
-- partitions get.
SELECT vf_form(170000, $$ALTER TABLE vf ALTER COLUMN gs SET EXPRESSION AS (a * 3)$$, 'vf',
               'rewrite', 'add_column_volatile_default');
SELECT vf_form(170000, $$ALTER TABLE vf_part SET ACCESS METHOD vf_heap2$$, 'vf_part1',
               'catalog', 'none');
SELECT vf_form(170000, $$ALTER TABLE vf_part SET ACCESS METHOD DEFAULT$$, 'vf_part1',
               'catalog', 'none');
SELECT vf_form(170000, $$ALTER TABLE vf ALTER COLUMN a SET STATISTICS DEFAULT$$, 'vf',
               'catalog', 'none');

-- PostgreSQL 18: a partitioned table takes a NOT VALID foreign key, which
-- scans no partition.
SELECT vf_form(180000, $$ALTER TABLE vf_part ADD CONSTRAINT vf_part_fk FOREIGN KEY (id) REFERENCES vf_parent NOT VALID$$, 'vf_part1',
               'catalog', 'none');

-- PostgreSQL 18: virtual generated columns (the default kind) are computed
-- when read: adding one, or changing its expression, is catalog-only.
SELECT vf_form(180000, $$ALTER TABLE vf ADD COLUMN gv2 int GENERATED ALWAYS AS (a + 1)$$, 'vf',
               'catalog', 'none');
SELECT vf_form(180000, $$ALTER TABLE vf ADD COLUMN gs2 int GENERATED ALWAYS AS (a + 1) STORED$$, 'vf',
               'rewrite', 'add_column_volatile_default');
SELECT vf_form(180000, $$ALTER TABLE vf ALTER COLUMN gv SET EXPRESSION AS (a * 5)$$, 'vf',
               'catalog', 'none');

-- NOT NULL as a catalogued constraint: NOT VALID skips the scan, VALIDATE
-- scans under SHARE UPDATE EXCLUSIVE (the safe form), SET NOT NULL scans
-- under ACCESS EXCLUSIVE.
SELECT vf_form(180000, $$ALTER TABLE vf ADD CONSTRAINT vf_a_nn NOT NULL a NOT VALID$$, 'vf',
               'catalog', 'none');
SELECT vf_form(180000, $$ALTER TABLE vf VALIDATE CONSTRAINT vf_n_nn$$, 'vf',
               'scan', 'none');
SELECT vf_form(180000, $$ALTER TABLE vf ALTER COLUMN a SET NOT NULL$$, 'vf',
               'scan', 'set_not_null');

-- NOT ENFORCED constraints check nothing, so nothing is scanned; making a
-- foreign key ENFORCED validates it.
SELECT vf_form(180000, $$ALTER TABLE vf ADD CONSTRAINT vf_a_pos CHECK (a > 0) NOT ENFORCED$$, 'vf',
               'catalog', 'none');
SELECT vf_form(180000, $$ALTER TABLE vf ADD CONSTRAINT vf_p_fk2 FOREIGN KEY (p) REFERENCES vf_parent NOT ENFORCED$$, 'vf',
               'catalog', 'none');
SELECT vf_form(180000, $$ALTER TABLE vf ALTER CONSTRAINT vf_p_fk_ne ENFORCED$$, 'vf',
               'scan', 'add_foreign_key');

-- WITHOUT OVERLAPS keys build a GiST index; PERIOD foreign keys are
-- validated by scanning the referencing table unless NOT VALID.
SELECT vf_form(180000, $$ALTER TABLE vf_period ADD CONSTRAINT vf_period_key UNIQUE (id, valid_at WITHOUT OVERLAPS)$$, 'vf_period',
               'scan', 'add_unique_constraint');
SELECT vf_form(180000, $$ALTER TABLE vf_period ADD CONSTRAINT vf_period_fk FOREIGN KEY (id, PERIOD valid_at) REFERENCES vf_period_parent (id, PERIOD valid_at)$$, 'vf_period',
               'scan', 'add_foreign_key');
SELECT vf_form(180000, $$ALTER TABLE vf_period ADD CONSTRAINT vf_period_fk FOREIGN KEY (id, PERIOD valid_at) REFERENCES vf_period_parent (id, PERIOD valid_at) NOT VALID$$, 'vf_period',
               'catalog', 'none');

-- Constraint inheritance: INHERIT gives the children the NOT NULL
-- constraint (their rows are checked), NO INHERIT only changes the catalog.
SELECT vf_form(180000, $$ALTER TABLE vf_nn_parent ALTER CONSTRAINT vf_nn_parent_n INHERIT$$, 'vf_nn_child',
               'scan', 'set_not_null');
SELECT vf_form(180000, $$ALTER TABLE vf_nn_parent ALTER CONSTRAINT vf_nn_parent_id NO INHERIT$$, 'vf_nn_child',
               'catalog', 'none');

-- Without statistics (never analyzed here; on 18 also after a rewrite) a
-- message still gives the row count, estimated from the pages as the
-- planner estimates it.
CREATE TABLE vf_nostats (id int, v text) WITH (autovacuum_enabled = off);
INSERT INTO vf_nostats SELECT g, 'row ' || g FROM generate_series(1, 5000) g;
SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'vf_nostats'::regclass), -1::real,
          'the table has no row estimate in pg_class');
CREATE FUNCTION vf_plan_rows(q text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
END$$;
SELECT is((SELECT substring(detail FROM 'with about ([0-9]+) rows')::numeric
             FROM migration_guard."check"('CREATE INDEX ON vf_nostats (v)', 'enforce')
            WHERE rule = 'create_index'),
          vf_plan_rows('SELECT * FROM vf_nostats'),
          'the message estimates the rows as the planner does');

-- The verdicts as a migration meets them: refused in enforce, applied in
-- warn, let through by the rule's escape hatch; and the hints of 18 teach
-- the forms 18 has.
CREATE FUNCTION vf_since_or_skip(since int, n int, tests text[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  IF NOT vf_since(since) THEN
    RETURN NEXT skip(format('PostgreSQL %s form', since / 10000), n);
    RETURN;
  END IF;
  FOREACH t IN ARRAY tests LOOP
    RETURN QUERY EXECUTE t;
  END LOOP;
END$$;
RESET lock_timeout;  -- the lock_timeout rule is not the subject here
SET migration_guard.rules = 'lock_held_across_statements=off, multiple_exclusive_locks=off';
SET migration_guard.mode = 'enforce';
SELECT vf_since_or_skip(170000, 4, ARRAY[
  $t$SELECT throws_ok('ALTER TABLE vf ALTER COLUMN gs SET EXPRESSION AS (a * 4)', 'MG002', NULL,
                      'enforce: SET EXPRESSION on a stored column is refused')$t$,
  $t$SELECT lives_ok('ALTER TABLE vf ALTER COLUMN gs SET EXPRESSION AS (a * 2) /* migration_guard:allow add_column_volatile_default */',
                     'the rule''s directive lets it through')$t$,
  $t$SELECT lives_ok('SET LOCAL migration_guard.mode = ''warn''; ALTER TABLE vf ALTER COLUMN gs SET EXPRESSION AS (a * 4)',
                     'warn: it is applied (and the backstop, which it predicted, lets it through)')$t$,
  $t$SELECT is((SELECT count(*)::int FROM vf WHERE gs <> a * 4), 0, 'warn: every row was recomputed')$t$]);
SELECT vf_since_or_skip(180000, 4, ARRAY[
  $t$SELECT lives_ok('ALTER TABLE vf ADD COLUMN gv3 int GENERATED ALWAYS AS (a - 1)',
                     'enforce: a virtual generated column is added')$t$,
  $t$SELECT matches((SELECT hint FROM migration_guard."check"('ALTER TABLE vf ALTER COLUMN a SET NOT NULL', 'enforce')
                      WHERE rule = 'set_not_null'),
                    'ADD CONSTRAINT \S+ NOT NULL a NOT VALID; then, in a separate transaction, ALTER TABLE public.vf VALIDATE CONSTRAINT',
                    '18: the set_not_null hint teaches NOT NULL ... NOT VALID and VALIDATE')$t$,
  $t$SELECT matches((SELECT hint FROM migration_guard."check"('ALTER TABLE vf ALTER COLUMN n SET NOT NULL', 'enforce')
                      WHERE rule = 'set_not_null'),
                    'VALIDATE CONSTRAINT vf_n_nn',
                    '18: with a NOT VALID NOT NULL in place, the hint says to validate it')$t$,
  $t$SELECT throws_ok('ALTER TABLE vf_nn_parent ALTER CONSTRAINT vf_nn_parent_n INHERIT', 'MG002', NULL,
                      'enforce: ALTER CONSTRAINT ... INHERIT that scans the children is refused')$t$]);
RESET migration_guard.mode;

SELECT * FROM finish();
