-- The lock levels the guard predicts (statement_locks(), which the
-- lock_timeout rule uses) against the locks PostgreSQL really takes: each
-- statement form runs in a subtransaction, pg_locks is read for this
-- backend, and the subtransaction is rolled back.
SET client_min_messages = 'warning';
-- Only the locks are compared here: no rule may refuse the statements.
SET migration_guard.mode = 'off';
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE lk_ts LOCATION '';

-- Existing tables: created and committed before the tests.
CREATE SCHEMA lk_other;
CREATE TABLE lk_parent (id bigint PRIMARY KEY);
CREATE TABLE lk (id bigint PRIMARY KEY, v text, p bigint REFERENCES lk_parent, n int);
CREATE INDEX lk_v ON lk (v);
ALTER TABLE lk ADD CONSTRAINT lk_n_check CHECK (n > 0) NOT VALID;
CREATE TRIGGER lk_trg BEFORE UPDATE ON lk FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE POLICY lk_pol ON lk USING (true);
CREATE TABLE lk_child2 (pid bigint CONSTRAINT lk_child2_fk REFERENCES lk_parent);
CREATE TABLE lk_part (id bigint, k int) PARTITION BY RANGE (k);
CREATE TABLE lk_part1 PARTITION OF lk_part FOR VALUES FROM (0) TO (10);
CREATE TABLE lk_detached (id bigint, k int);
CREATE INDEX lk_part_k ON ONLY lk_part (k);
CREATE INDEX lk_part1_k ON lk_part1 (k);
CREATE MATERIALIZED VIEW lk_mv AS SELECT id FROM lk;
CREATE UNIQUE INDEX lk_mv_id ON lk_mv (id);
CREATE VIEW lk_view AS SELECT id FROM lk;
CREATE SEQUENCE lk_seq;
CREATE DOMAIN lk_pos AS int;
ALTER DOMAIN lk_pos ADD CONSTRAINT lk_pos_nv CHECK (VALUE > 0) NOT VALID;
CREATE DOMAIN lk_pos_sub AS lk_pos;
CREATE TABLE lk_dom (x lk_pos);
CREATE TABLE lk_dom_sub (y lk_pos_sub);

-- The predicted locks of a statement: "relation=MODE, ..." by name.
CREATE FUNCTION lk_predicted(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(relation::text || '=' || mode, ', ' ORDER BY relation::text), '')
    FROM migration_guard.statement_locks(stmt)
$$;

-- The strongest lock this backend holds on each predicted relation after
-- running the statement, read before the subtransaction is rolled back.
CREATE FUNCTION lk_observed(stmt text) RETURNS text LANGUAGE plpgsql AS $$
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
    RAISE EXCEPTION 'lk_undo';
  EXCEPTION
    WHEN raise_exception THEN
      IF SQLERRM <> 'lk_undo' THEN RETURN 'error: ' || SQLERRM; END IF;
    WHEN OTHERS THEN
      RETURN 'error: ' || SQLERRM;
  END;
  RETURN result;
END$$;

CREATE FUNCTION lk_same(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT is(lk_observed(stmt), lk_predicted(stmt), stmt)
$$;

SELECT plan(99);

-- Every form: the prediction names the relation and matches pg_locks.
SELECT lk_same('ALTER TABLE lk ADD COLUMN c int');
SELECT lk_same('ALTER TABLE lk ADD COLUMN c int DEFAULT 0 NOT NULL');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN v TYPE varchar(50)');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN n SET NOT NULL');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN n DROP NOT NULL');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN n SET DEFAULT 1');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN v SET STATISTICS 100');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN v SET STORAGE EXTERNAL');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN n SET (n_distinct = 10)');
SELECT lk_same('ALTER TABLE lk SET (fillfactor = 70)');
SELECT lk_same('ALTER TABLE lk SET (autovacuum_enabled = off)');
SELECT lk_same('ALTER TABLE lk RESET (fillfactor)');
SELECT lk_same('ALTER TABLE lk ADD CONSTRAINT c CHECK (n > 0)');
SELECT lk_same('ALTER TABLE lk ADD CONSTRAINT c CHECK (n > 0) NOT VALID');
SELECT lk_same('ALTER TABLE lk VALIDATE CONSTRAINT lk_n_check');
SELECT lk_same('ALTER TABLE lk ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES lk_parent NOT VALID');
SELECT lk_same('ALTER TABLE lk ADD COLUMN p2 bigint REFERENCES lk_parent');
SELECT lk_same('ALTER TABLE lk DROP CONSTRAINT lk_p_fkey');
SELECT lk_same('ALTER TABLE lk DROP CONSTRAINT lk_n_check');
SELECT lk_same('ALTER TABLE lk ADD UNIQUE (n)');
SELECT lk_same('ALTER TABLE lk DROP COLUMN n');
SELECT lk_same('ALTER TABLE lk DISABLE TRIGGER lk_trg');
SELECT lk_same('ALTER TABLE lk ENABLE ROW LEVEL SECURITY');
SELECT lk_same('ALTER TABLE lk CLUSTER ON lk_v');
SELECT lk_same('ALTER TABLE lk REPLICA IDENTITY FULL');
SELECT lk_same('ALTER TABLE lk SET TABLESPACE pg_default');
SELECT lk_same('ALTER TABLE lk OWNER TO CURRENT_USER');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN n SET NOT NULL, ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY');
SELECT lk_same('ALTER TABLE lk RENAME COLUMN v TO w');
SELECT lk_same('ALTER TABLE lk RENAME CONSTRAINT lk_n_check TO lk_n_positive');
SELECT lk_same('ALTER TABLE lk RENAME TO lk_renamed');
SELECT lk_same('ALTER TABLE lk SET SCHEMA lk_other');
SELECT lk_same('ALTER INDEX lk_v RENAME TO lk_v_renamed');
SELECT lk_same('ALTER INDEX lk_v SET (fillfactor = 80)');
SELECT lk_same('ALTER TRIGGER lk_trg ON lk RENAME TO lk_trg2');
SELECT lk_same('CREATE INDEX ON lk (n)');
SELECT lk_same('CREATE UNIQUE INDEX ON lk (id, n)');
SELECT lk_same('DROP INDEX lk_v');
SELECT lk_same('REINDEX INDEX lk_v');
SELECT lk_same('REINDEX TABLE lk');
SELECT lk_same('CLUSTER lk USING lk_v');
SELECT lk_same('TRUNCATE lk_child2');
SELECT lk_same('DROP TABLE lk_child2');
SELECT lk_same('DROP VIEW lk_view');
SELECT lk_same('DROP MATERIALIZED VIEW lk_mv');
SELECT lk_same('REFRESH MATERIALIZED VIEW lk_mv');
SELECT lk_same('REFRESH MATERIALIZED VIEW CONCURRENTLY lk_mv');
SELECT lk_same('CREATE TRIGGER lk_trg3 BEFORE INSERT ON lk FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()');
SELECT lk_same('DROP TRIGGER lk_trg ON lk');
SELECT lk_same('CREATE POLICY lk_pol2 ON lk USING (true)');
SELECT lk_same('ALTER POLICY lk_pol ON lk USING (false)');
SELECT lk_same('DROP POLICY lk_pol ON lk');
SELECT lk_same('CREATE RULE lk_rule AS ON INSERT TO lk DO ALSO NOTHING');
SELECT lk_same('LOCK lk IN SHARE MODE');
SELECT lk_same('LOCK lk IN ROW EXCLUSIVE MODE');
SELECT lk_same('LOCK lk');
SELECT lk_same('CREATE TABLE lk_new_child (pid bigint REFERENCES lk_parent)');
SELECT lk_same('CREATE TABLE lk_part2 PARTITION OF lk_part FOR VALUES FROM (10) TO (20)');
SELECT lk_same('ALTER TABLE lk_part DETACH PARTITION lk_part1');
SELECT lk_same('ALTER TABLE lk_part ATTACH PARTITION lk_detached FOR VALUES FROM (20) TO (30)');
SELECT lk_same('ALTER INDEX lk_part_k ATTACH PARTITION lk_part1_k');
SELECT lk_same('CREATE OR REPLACE VIEW lk_view AS SELECT id FROM lk');
SELECT lk_same('ALTER SEQUENCE lk_seq RESTART');
SELECT lk_same('ANALYZE lk');
SELECT lk_same('ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE lk_ts');
SELECT lk_same('ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE lk_ts');
SELECT ok(lk_predicted('ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE lk_ts') ~ 'lk_parent=ACCESS EXCLUSIVE',
          'ALL IN TABLESPACE locks every table it moves');
SELECT is(lk_predicted('ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default'), '',
          'a move to the same tablespace locks nothing');
SELECT lk_same('ALTER DOMAIN lk_pos ADD CONSTRAINT c CHECK (VALUE > 0)');
SELECT lk_same('ALTER DOMAIN lk_pos ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID');
SELECT lk_same('ALTER DOMAIN lk_pos VALIDATE CONSTRAINT lk_pos_nv');
SELECT lk_same('ALTER DOMAIN lk_pos SET NOT NULL');
SELECT lk_same('ALTER MATERIALIZED VIEW lk_mv SET (fillfactor = 50)');
SELECT lk_same('ALTER TABLE lk ALTER COLUMN v SET COMPRESSION pglz');
SELECT lk_same('ALTER TABLE lk SET ACCESS METHOD heap');
SELECT lk_same('ALTER TABLE lk SET UNLOGGED');
SELECT lk_same('ALTER TABLE lk ALTER CONSTRAINT lk_p_fkey DEFERRABLE');
SELECT lk_same('ALTER TABLE lk ENABLE REPLICA TRIGGER lk_trg');
SELECT lk_same('ALTER TABLE lk FORCE ROW LEVEL SECURITY');
SELECT lk_same('CREATE TABLE lk_inh () INHERITS (lk_parent)');
SELECT lk_same('DROP SEQUENCE lk_seq');
SELECT lk_same('ALTER VIEW lk_view ALTER COLUMN id SET DEFAULT 0');
SELECT lk_same('ALTER VIEW lk_view RENAME TO lk_view2');
SELECT lk_same('TRUNCATE lk_parent CASCADE');
SELECT lk_same('DROP TABLE lk_parent CASCADE');
SELECT lk_same('CREATE SCHEMA lk_s CREATE TABLE lk_s_child (pid bigint REFERENCES public.lk_parent)');
SELECT is(lk_predicted('CREATE SCHEMA lk_s CREATE TABLE lk_s_child (pid bigint REFERENCES public.lk_parent)'),
          'lk_parent=SHARE ROW EXCLUSIVE', 'CREATE SCHEMA elements are planned like the statements they are');
SELECT is(lk_predicted('DROP TABLE lk_parent CASCADE'),
          'lk=ACCESS EXCLUSIVE, lk_child2=ACCESS EXCLUSIVE, lk_parent=ACCESS EXCLUSIVE',
          'DROP TABLE ... CASCADE locks the tables whose foreign keys it drops');
SELECT is(lk_predicted('REINDEX TABLE lk_part'), 'lk_part1=SHARE',
          'REINDEX of a partitioned table locks each partition');
SELECT is(lk_predicted('TRUNCATE lk_parent CASCADE'),
          'lk=ACCESS EXCLUSIVE, lk_child2=ACCESS EXCLUSIVE, lk_parent=ACCESS EXCLUSIVE',
          'TRUNCATE ... CASCADE locks every referencing table');
SELECT is(lk_predicted('ALTER DOMAIN lk_pos ADD CONSTRAINT c CHECK (VALUE > 0)'),
          'lk_dom=SHARE, lk_dom_sub=SHARE', 'ALTER DOMAIN locks the tables using the domain and its sub-domains');

-- The measure itself can fail: a form whose prediction is wrong shows up.
SELECT isnt(lk_observed('LOCK lk IN EXCLUSIVE MODE'), 'lk=ACCESS EXCLUSIVE',
            'a weaker lock is not mistaken for a stronger one');

-- The lock_timeout rule's finding carries the same mode as pg_locks.
SET lock_timeout = 0;
SET migration_guard.lock_timeout = '';
CREATE FUNCTION lk_rule_mode(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(lock_mode, ', ') FROM migration_guard."check"(stmt, include_off => true)
   WHERE rule = 'lock_timeout'
$$;
SELECT is(lk_rule_mode('ALTER TABLE lk ADD COLUMN c int'), 'ACCESS EXCLUSIVE',
          'the rule reports ACCESS EXCLUSIVE for ADD COLUMN, as pg_locks shows');
SELECT is(lk_rule_mode('CREATE INDEX ON lk (n)'), 'SHARE',
          'the rule reports SHARE for CREATE INDEX, as pg_locks shows');
SELECT is(lk_rule_mode('CREATE TRIGGER lk_trg4 BEFORE INSERT ON lk FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()'),
          'SHARE ROW EXCLUSIVE', 'the rule reports SHARE ROW EXCLUSIVE for CREATE TRIGGER, as pg_locks shows');
SELECT is(lk_rule_mode('ALTER TABLE lk ALTER COLUMN v SET STATISTICS 100'), NULL,
          'no finding for SHARE UPDATE EXCLUSIVE');
SET lock_timeout = '1s';
SELECT is(lk_rule_mode('ALTER TABLE lk ADD COLUMN c int'), NULL,
          'no finding with a lock_timeout within the limit');
RESET lock_timeout;

-- What the rule concerns: existing, shared relations only.
SELECT is((SELECT guarded FROM migration_guard.statement_locks('ALTER TABLE lk ADD COLUMN c int')),
          true, 'an existing table is guarded');
CREATE TEMP TABLE lk_temp (id bigint);
SELECT is((SELECT guarded FROM migration_guard.statement_locks('ALTER TABLE lk_temp ADD COLUMN c int')),
          false, 'a temporary table is not: no other session can wait for it');

SELECT * FROM finish();
DROP TABLESPACE lk_ts;
