-- Index rules: create_index, invalid_index, drop_index, reindex.
SET client_min_messages = warning;  -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = '64kB';
CREATE TABLE ix_big (id bigint PRIMARY KEY, v text, n int);
INSERT INTO ix_big SELECT g, 'value ' || g, g % 100 FROM generate_series(1, 5000) g;
ANALYZE ix_big;
CREATE TABLE ix_small (id int, v text, n int);
INSERT INTO ix_small VALUES (1, 'a', 1), (2, 'b', 1);
ANALYZE ix_small;
CREATE FUNCTION ix_indexes(regclass) RETURNS SETOF text LANGUAGE sql
  AS $$ SELECT indexrelid::regclass::text || CASE WHEN indisvalid THEN '' ELSE ' (INVALID)' END
          FROM pg_index WHERE indrelid = $1 ORDER BY 1 $$;

--
-- create_index
--
-- enforce: refused, nothing built; UNIQUE indexes the same
CREATE INDEX ix_big_v ON ix_big (v);
CREATE UNIQUE INDEX ix_big_u ON ix_big (v);
SELECT * FROM ix_indexes('ix_big');
-- warn: reported and built
SET migration_guard.mode = 'warn';
CREATE INDEX ix_big_w ON ix_big (n);
RESET migration_guard.mode;
SELECT * FROM ix_indexes('ix_big');
-- the safe form passes
CREATE INDEX CONCURRENTLY ix_big_c ON ix_big (n, id);
-- below the threshold
CREATE INDEX ix_small_v ON ix_small (v);
-- a table created in this transaction
BEGIN;
CREATE TABLE ix_new (id int);
INSERT INTO ix_new SELECT generate_series(1, 20000);
CREATE INDEX ix_new_id ON ix_new (id);
COMMIT;
-- IF NOT EXISTS of an index that exists (and is valid) builds nothing
CREATE INDEX IF NOT EXISTS ix_big_c ON ix_big (n, id);
-- without IF NOT EXISTS a taken name is PostgreSQL's error
CREATE INDEX ix_big_c ON ix_big (v);
-- wrapping it is no way around the guard: DO, functions, procedures
DO $$ BEGIN EXECUTE 'CREATE INDEX ix_big_do ON ix_big (v)'; END $$;
CREATE FUNCTION ix_plpgsql() RETURNS void LANGUAGE plpgsql
  AS $$ BEGIN EXECUTE 'CREATE INDEX ix_big_fn ON ix_big (v)'; END $$;
SELECT ix_plpgsql();
CREATE FUNCTION ix_sql() RETURNS void LANGUAGE sql
  AS $$ CREATE INDEX ix_big_sql ON ix_big (v) $$;
SELECT ix_sql();
CREATE PROCEDURE ix_proc() LANGUAGE plpgsql
  AS $$ BEGIN EXECUTE 'CREATE INDEX ix_big_proc ON ix_big (v)'; END $$;
CALL ix_proc();
SELECT * FROM ix_indexes('ix_big');
-- partitioned tables: ON ONLY builds nothing; the whole tree fires with
-- the partition recipe
CREATE TABLE ix_part (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE ix_part_1 PARTITION OF ix_part FOR VALUES FROM (0) TO (3000);
CREATE TABLE ix_part_2 PARTITION OF ix_part FOR VALUES FROM (3000) TO (6000);
INSERT INTO ix_part SELECT g, 'value ' || g FROM generate_series(1, 5999) g;
ANALYZE ix_part;
CREATE INDEX ix_part_v ON ix_part (v);
CREATE INDEX ix_part_only ON ONLY ix_part (v);
-- materialized views
CREATE MATERIALIZED VIEW ix_mv AS SELECT id, v FROM ix_big;
ANALYZE ix_mv;
CREATE INDEX ix_mv_v ON ix_mv (v);
-- overrides
CREATE INDEX ix_big_ok1 ON ix_big (v) -- migration_guard:allow create_index
;
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX ix_big_ok2 ON ix_big (v);
COMMIT;
SET migration_guard.rules = 'create_index=off';
CREATE INDEX ix_big_ok3 ON ix_big (v);
RESET migration_guard.rules;
DROP INDEX CONCURRENTLY ix_big_ok1;
DROP INDEX CONCURRENTLY ix_big_ok2;
DROP INDEX CONCURRENTLY ix_big_ok3;

--
-- invalid_index
--
-- a failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index
\set VERBOSITY terse
CREATE UNIQUE INDEX CONCURRENTLY ix_big_n_u ON ix_big (n);
CREATE UNIQUE INDEX CONCURRENTLY ix_small_n_u ON ix_small (n);
\set VERBOSITY default
SELECT * FROM ix_indexes('ix_big');
-- IF NOT EXISTS would keep it: refused, with or without CONCURRENTLY
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_big_n_u ON ix_big (n);
CREATE INDEX IF NOT EXISTS ix_big_n_u ON ix_big (n);
-- also on a small table: the harm is a broken index, not a lock
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_small_n_u ON ix_small (n);
-- an invalid index of that name on another table is skipped over too
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_small_n_u ON ix_big (n);
-- without IF NOT EXISTS PostgreSQL itself refuses the duplicate name
CREATE INDEX CONCURRENTLY ix_big_n_u ON ix_big (n);
-- warn: reported, and the statement skips as PostgreSQL does
SET migration_guard.mode = 'warn';
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_big_n_u ON ix_big (n);
RESET migration_guard.mode;
-- override by directive
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_big_n_u ON ix_big (n) /* migration_guard:allow invalid_index */;
-- the fix: DROP INDEX CONCURRENTLY, then create it again (or REINDEX CONCURRENTLY)
DROP INDEX CONCURRENTLY ix_big_n_u;
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_big_n_u ON ix_big (n);
DELETE FROM ix_small WHERE id = 2;
REINDEX INDEX CONCURRENTLY ix_small_n_u;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_small_n_u ON ix_small (n);
SELECT * FROM ix_indexes('ix_big');
SELECT * FROM ix_indexes('ix_small');
-- the partition recipe re-run: an ON ONLY parent index is invalid until
-- every partition has one attached, and that is not refused
CREATE INDEX IF NOT EXISTS ix_part_only ON ONLY ix_part (v);
CREATE INDEX IF NOT EXISTS ix_part_only ON ix_part (v);

--
-- drop_index
--
DROP INDEX ix_big_w;
SELECT * FROM ix_indexes('ix_big');
DROP INDEX ix_big_w, ix_big_c;
SET migration_guard.mode = 'warn';
DROP INDEX ix_big_w;
RESET migration_guard.mode;
-- an INVALID index is dropped under the same lock
\set VERBOSITY terse
CREATE UNIQUE INDEX CONCURRENTLY ix_big_n_u2 ON ix_big (n);
\set VERBOSITY default
DROP INDEX ix_big_n_u2;
DROP INDEX CONCURRENTLY ix_big_n_u2;
-- partitioned indexes cannot be dropped concurrently
DROP INDEX ix_part_only;
-- an index a constraint needs: PostgreSQL's error (with CASCADE, judged)
DROP INDEX ix_big_pkey;
DROP INDEX ix_big_pkey CASCADE;
-- nothing to judge
DROP INDEX IF EXISTS ix_no_such_index;
DROP INDEX CONCURRENTLY IF EXISTS ix_no_such_index;
-- safe, small, new
DROP INDEX CONCURRENTLY ix_big_c;
DROP INDEX ix_small_v;
BEGIN;
CREATE TABLE ix_new2 (id int);
INSERT INTO ix_new2 SELECT generate_series(1, 20000);
CREATE INDEX ix_new2_id ON ix_new2 (id);
DROP INDEX ix_new2_id;
COMMIT;
-- override
DROP INDEX ix_part_only /* migration_guard:allow drop_index */;
SELECT * FROM ix_indexes('ix_part');

--
-- reindex
--
REINDEX INDEX ix_big_pkey;
REINDEX TABLE ix_big;
REINDEX (CONCURRENTLY false) TABLE ix_big;
REINDEX TABLE ix_part;
REINDEX TABLE ix_mv;
SET migration_guard.mode = 'warn';
REINDEX INDEX ix_big_pkey;
RESET migration_guard.mode;
-- safe forms, small tables
REINDEX INDEX CONCURRENTLY ix_big_pkey;
REINDEX TABLE CONCURRENTLY ix_big;
REINDEX (CONCURRENTLY) TABLE ix_big;
REINDEX (CONCURRENTLY true) INDEX ix_big_pkey;
REINDEX TABLE ix_small;
-- nothing to rebuild
CREATE TABLE ix_noindex AS SELECT g AS id FROM generate_series(1, 20000) g;
REINDEX TABLE ix_noindex;
-- a schema: every large table in turn
CREATE SCHEMA ix_s;
CREATE TABLE ix_s.a (id bigint PRIMARY KEY);
CREATE TABLE ix_s.b (id bigint PRIMARY KEY);
CREATE TABLE ix_s.c (id bigint PRIMARY KEY);
INSERT INTO ix_s.a SELECT generate_series(1, 3000);
INSERT INTO ix_s.b SELECT generate_series(1, 9000);
INSERT INTO ix_s.c VALUES (1);
ANALYZE ix_s.a, ix_s.b, ix_s.c;
REINDEX SCHEMA ix_s;
REINDEX SCHEMA CONCURRENTLY ix_s;
DROP TABLE ix_s.a, ix_s.b /* migration_guard:allow drop_table */;
REINDEX SCHEMA ix_s;
-- REINDEX SYSTEM has no concurrent form
SELECT format('REINDEX SYSTEM %I', current_database()) \gexec
-- override
REINDEX TABLE ix_big /* migration_guard:allow reindex */;

-- clean up, unguarded
SET migration_guard.mode = 'off';
DROP SCHEMA ix_s CASCADE;
DROP MATERIALIZED VIEW ix_mv;
DROP TABLE ix_big, ix_small, ix_new, ix_new2, ix_part, ix_noindex;
DROP FUNCTION ix_indexes(regclass);
DROP FUNCTION ix_plpgsql();
DROP FUNCTION ix_sql();
DROP PROCEDURE ix_proc();
RESET migration_guard.mode;
