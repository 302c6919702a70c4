-- The table_rewrite backstop: rewrites of existing tables that no rule
-- predicted are refused (MG006), whatever statement form causes them.
SET client_min_messages = warning;  -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = '64kB';
SELECT evtname, evtevent, evtfoid::regprocedure, evtenabled
  FROM pg_event_trigger WHERE evtname = 'migration_guard_table_rewrite';
-- A form no rule covers: changing the table access method.
CREATE ACCESS METHOD bs_heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE bs_big (id bigint PRIMARY KEY, v text, n int);
INSERT INTO bs_big SELECT g, 'value ' || g, g FROM generate_series(1, 5000) g;
ANALYZE bs_big;
CREATE TABLE bs_small (id int, v text);
INSERT INTO bs_small VALUES (1, 'a');
CREATE FUNCTION bs_am(regclass) RETURNS name LANGUAGE sql
  AS $$ SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = $1 $$;

-- enforce: refused before the copy, nothing applied
ALTER TABLE bs_big SET ACCESS METHOD bs_heap2;
SELECT bs_am('bs_big');
-- warn: reported, applied
SET migration_guard.mode = 'warn';
ALTER TABLE bs_big SET ACCESS METHOD bs_heap2;
RESET migration_guard.mode;
SELECT bs_am('bs_big');
-- small tables and tables created in this transaction pass
ALTER TABLE bs_small SET ACCESS METHOD bs_heap2;
BEGIN;
CREATE TABLE bs_new (id int);
INSERT INTO bs_new SELECT generate_series(1, 20000);
ALTER TABLE bs_new SET ACCESS METHOD bs_heap2;
ROLLBACK;
-- a statement that does not rewrite is not concerned
ALTER TABLE bs_big ADD COLUMN note text;
-- overrides: directive, SET LOCAL, per-rule severity, mode off
ALTER TABLE bs_big SET ACCESS METHOD heap /* migration_guard:allow table_rewrite */;
BEGIN;
SET LOCAL migration_guard.allow = 'table_rewrite';
ALTER TABLE bs_big SET ACCESS METHOD bs_heap2;
COMMIT;
SET migration_guard.rules = 'table_rewrite=off';
ALTER TABLE bs_big SET ACCESS METHOD heap;
RESET migration_guard.rules;
SET migration_guard.mode = 'off';
ALTER TABLE bs_big SET ACCESS METHOD bs_heap2;
RESET migration_guard.mode;
SELECT bs_am('bs_big');
-- wrapped in a DO block: judged the same
DO $$ BEGIN EXECUTE 'ALTER TABLE bs_big SET ACCESS METHOD heap'; END $$;

-- A rewrite a rule judged is not judged again.  Accepting the rule that
-- covers that kind of rewrite lets it through the backstop as well.
ALTER TABLE bs_big ALTER COLUMN n TYPE bigint /* migration_guard:allow alter_column_type */;
BEGIN;
SET LOCAL migration_guard.allow = 'alter_column_type';
ALTER TABLE bs_big ALTER COLUMN n TYPE int;
COMMIT;
SET migration_guard.rules = 'alter_column_type=off';
ALTER TABLE bs_big ALTER COLUMN n TYPE bigint;
RESET migration_guard.rules;
-- The rewrites above copied bs_big with a bulk-insert state, which extends
-- relations by many pages at once from 16 on (and 18 resets the row
-- estimate of new storage): VACUUM trims the empty tail, ANALYZE restores
-- the estimate, so the size reported next is the same on every version.
VACUUM ANALYZE bs_big;
-- A rule set to warn predicted it: one warning, no refusal by the backstop.
SET migration_guard.rules = 'alter_column_type=warn';
ALTER TABLE bs_big ALTER COLUMN n TYPE int;
RESET migration_guard.rules;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'bs_big'::regclass AND attname = 'n';
-- Partitions are rewritten one by one under their own OIDs; the rule
-- predicted the rewrite of their parent.
CREATE TABLE bs_part (id bigint, n int) PARTITION BY RANGE (id);
CREATE TABLE bs_part_1 PARTITION OF bs_part FOR VALUES FROM (0) TO (5000);
CREATE TABLE bs_part_2 PARTITION OF bs_part FOR VALUES FROM (5000) TO (10000);
INSERT INTO bs_part SELECT g, g FROM generate_series(1, 9999) g;
ANALYZE bs_part;
SET migration_guard.rules = 'alter_column_type=warn';
ALTER TABLE bs_part ALTER COLUMN n TYPE bigint;
RESET migration_guard.rules;
-- ALTER MATERIALIZED VIEW rewrites too
CREATE MATERIALIZED VIEW bs_mv AS SELECT * FROM bs_big;
VACUUM ANALYZE bs_mv;  -- filled in bulk too: same size and estimate everywhere
ALTER MATERIALIZED VIEW bs_mv SET ACCESS METHOD bs_heap2;
-- A statement that rewrites a table no rule predicted: the typed table of a
-- composite type.  (One table: with two, PostgreSQL's order of rewriting
-- them follows catalog order, which differs between versions.)
CREATE TYPE bs_pair AS (a int, b text);
CREATE TABLE bs_typed1 OF bs_pair;
INSERT INTO bs_typed1 SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
VACUUM ANALYZE bs_typed1;
ALTER TYPE bs_pair ALTER ATTRIBUTE a TYPE bigint CASCADE;
SET migration_guard.mode = 'warn';
ALTER TYPE bs_pair ALTER ATTRIBUTE a TYPE bigint CASCADE;
RESET migration_guard.mode;
SELECT attrelid::regclass, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'bs_typed1'::regclass AND attname = 'a' ORDER BY 1;
-- Allowing a different rule does not let an access method change through.
ALTER TABLE bs_big SET ACCESS METHOD heap /* migration_guard:allow alter_column_type */;
-- The directive of an ordinary role is ignored, as for every rule.
CREATE ROLE bs_owner;
ALTER TABLE bs_big OWNER TO bs_owner;
SET ROLE bs_owner;
ALTER TABLE bs_big SET ACCESS METHOD heap /* migration_guard:allow table_rewrite */;
RESET ROLE;
SELECT bs_am('bs_big');

-- clean up, unguarded
SET migration_guard.mode = 'off';
DROP MATERIALIZED VIEW bs_mv;
DROP TABLE bs_big, bs_small, bs_part, bs_typed1;
DROP TYPE bs_pair;
DROP ROLE bs_owner;
DROP FUNCTION bs_am(regclass);
DROP ACCESS METHOD bs_heap2;
RESET migration_guard.mode;
