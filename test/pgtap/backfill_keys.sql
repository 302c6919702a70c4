-- Batched backfills over every kind of batching key.  Each CALL runs at top
-- level (it commits per batch); assertions follow.
SET migration_guard.mode = off;
SET client_min_messages = warning;

-- composite key (integer, text)
CREATE TABLE k_comp (a integer, b text, v integer, n integer NOT NULL DEFAULT 0, PRIMARY KEY (a, b));
INSERT INTO k_comp SELECT g % 7, 'k' || g, g FROM generate_series(1, 2000) g;
CALL migration_guard.backfill('comp', 'k_comp', 'v = -v, n = n + 1', batch_size => 130, target_batch_time => '0');

-- uuid key
CREATE TABLE k_uuid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO k_uuid (v) SELECT g FROM generate_series(1, 2000) g;
ANALYZE k_uuid;
CALL migration_guard.backfill('uuid', 'k_uuid', 'n = n + 1', batch_size => 170, target_batch_time => '0');

-- text key with awkward values (quotes, commas, braces, spaces, non-ASCII)
CREATE TABLE "K Text" ("the key" text PRIMARY KEY, v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO "K Text" SELECT format('%s,"{%s}'' é', g, g), g FROM generate_series(1, 1000) g;
CALL migration_guard.backfill('text', '"K Text"', 'n = n + 1', batch_size => 77, target_batch_time => '0');

-- no primary key, but a unique index on NOT NULL columns
CREATE TABLE k_uniq (code text NOT NULL, v integer, n integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX k_uniq_code ON k_uniq (code);
INSERT INTO k_uniq SELECT 'c' || g, g FROM generate_series(1, 500) g;
CALL migration_guard.backfill('uniq', 'k_uniq', 'n = n + 1', batch_size => 64, target_batch_time => '0');

-- no usable key: ctid ranges with an idempotency predicate
CREATE TABLE k_none (v integer, w integer, n integer NOT NULL DEFAULT 0);
INSERT INTO k_none (v) SELECT g FROM generate_series(1, 5000) g;
CALL migration_guard.backfill('none', 'k_none', 'w = v * 2, n = n + 1', 'w IS DISTINCT FROM v * 2',
                              batch_size => 300, target_batch_time => '0');

-- ctid ranges where updated rows move ahead of the cursor: free space in
-- the later pages takes the new versions, and the predicate skips them
CREATE TABLE k_moves (v integer, w integer, n integer NOT NULL DEFAULT 0, pad text);
INSERT INTO k_moves (v, pad) SELECT g, repeat('x', 100) FROM generate_series(1, 6000) g;
DELETE FROM k_moves WHERE v > 3000 AND v % 2 = 0;
VACUUM k_moves;
CALL migration_guard.backfill('moves', 'k_moves', 'w = v * 2, n = n + 1, pad = pad || ''y''',
                              'w IS DISTINCT FROM v * 2', batch_size => 200, target_batch_time => '0');

-- partitioned table with a primary key, through the parent
CREATE TABLE k_part (id bigint, region integer, v integer, n integer NOT NULL DEFAULT 0,
                     PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE k_part_1 PARTITION OF k_part FOR VALUES IN (1);
CREATE TABLE k_part_2 PARTITION OF k_part FOR VALUES IN (2);
CREATE TABLE k_part_3 PARTITION OF k_part FOR VALUES IN (3);
INSERT INTO k_part SELECT g, 1 + g % 3, g FROM generate_series(1, 3000) g;
CALL migration_guard.backfill('part', 'k_part', 'n = n + 1', batch_size => 250, target_batch_time => '0');

-- partitioned table without a key: one job per partition
CREATE TABLE k_part_nokey (region integer, v integer, w integer) PARTITION BY LIST (region);
CREATE TABLE k_part_nokey_1 PARTITION OF k_part_nokey FOR VALUES IN (1);
CREATE TABLE k_part_nokey_2 PARTITION OF k_part_nokey FOR VALUES IN (2);
INSERT INTO k_part_nokey SELECT 1 + g % 2, g FROM generate_series(1, 1000) g;
CALL migration_guard.backfill('part_nokey_1', 'k_part_nokey_1', 'w = v', 'w IS NULL', batch_size => 100);
CALL migration_guard.backfill('part_nokey_2', 'k_part_nokey_2', 'w = v', 'w IS NULL', batch_size => 100);

-- empty table
CREATE TABLE k_empty (id bigint PRIMARY KEY, v integer);
CALL migration_guard.backfill('empty', 'k_empty', 'v = 1');

-- heavy inserts during the job: every updated row inserts a new one past
-- the bound captured at start; the job must still finish and leave them
CREATE TABLE k_grow (id bigint PRIMARY KEY, v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO k_grow SELECT g, g FROM generate_series(1, 1000) g;
CREATE FUNCTION k_grow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO k_grow (id, v) VALUES (NEW.id + 1000000, NEW.v);
    RETURN NULL;
END $$;
CREATE TRIGGER k_grow_insert AFTER UPDATE ON k_grow FOR EACH ROW EXECUTE FUNCTION k_grow_insert();
CALL migration_guard.backfill('grow', 'k_grow', 'n = n + 1', batch_size => 90, target_batch_time => '0');

-- rows inserted between two runs past the bound stay out; inside it, in
-- the part not done yet, they are included
CREATE TABLE k_resume (id bigint PRIMARY KEY, v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO k_resume SELECT g * 10, g FROM generate_series(1, 100) g;
CALL migration_guard.backfill('resume', 'k_resume', 'n = n + 1', batch_size => 10,
                              target_batch_time => '0', max_rows => 40);
INSERT INTO k_resume (id, v) VALUES (5, 0), (995, 0), (5000, 0);
CALL migration_guard.backfill('resume', 'k_resume', 'n = n + 1', batch_size => 10, target_batch_time => '0');

-- adaptive sizing grows from the first batch toward the target time
CREATE TABLE k_adapt (id bigint PRIMARY KEY, v integer);
INSERT INTO k_adapt SELECT g, g FROM generate_series(1, 20000) g;
CALL migration_guard.backfill('adapt', 'k_adapt', 'v = v + 1', batch_size => 100,
                              min_batch_size => 50, max_batch_size => 1500, target_batch_time => '10s');

-- a timestamp key resumed under another DateStyle: the cursor and bounds
-- kept as text must mean the same keys ("01/02/2024" is 2 January under
-- MDY, 1 February under DMY)
CREATE TABLE k_ts (t timestamp PRIMARY KEY, n integer NOT NULL DEFAULT 0);
INSERT INTO k_ts SELECT timestamp '2024-01-01' + g * interval '1 hour' FROM generate_series(0, 263) g;
SET DateStyle = 'SQL, MDY';
CALL migration_guard.backfill('ts', 'k_ts', 'n = n + 1', batch_size => 10,
                              target_batch_time => '0', max_rows => 40);
SET DateStyle = 'SQL, DMY';
CALL migration_guard.backfill('ts', 'k_ts', 'n = n + 1', batch_size => 10, target_batch_time => '0');
RESET DateStyle;

SELECT plan(32);

SELECT is((SELECT count(*) FROM k_comp WHERE n = 1 AND v < 0), 2000::bigint, 'composite key: every row updated once');
SELECT is((SELECT batches FROM migration_guard.backfills WHERE name = 'comp'), 16::bigint, 'composite key: 2000 rows in batches of 130');
SELECT is((SELECT key_columns FROM migration_guard.backfills WHERE name = 'comp'), '{a,b}'::text[], 'composite key columns recorded');
SELECT is((SELECT count(*) FROM k_uuid WHERE n = 1), 2000::bigint, 'uuid key: every row updated once');
SELECT is((SELECT count(*) FROM k_uuid WHERE n <> 1), 0::bigint, 'uuid key: no row updated twice');
SELECT is((SELECT count(*) FROM "K Text" WHERE n = 1), 1000::bigint, 'text key with quotes and commas: every row once');
SELECT is((SELECT state FROM migration_guard.backfills WHERE name = 'text'), 'done', 'text key job is done');
SELECT is((SELECT key_columns FROM migration_guard.backfills WHERE name = 'uniq'), '{code}'::text[], 'a unique index on NOT NULL columns batches a table without primary key');
SELECT is((SELECT count(*) FROM k_uniq WHERE n = 1), 500::bigint, 'unique index key: every row once');
SELECT is((SELECT method FROM migration_guard.backfills WHERE name = 'none'), 'ctid', 'no usable key: ctid ranges');
SELECT is((SELECT count(*) FROM k_none WHERE w = v * 2 AND n = 1), 5000::bigint, 'ctid ranges with an idempotency predicate: every row once');
SELECT cmp_ok((SELECT batches FROM migration_guard.backfills WHERE name = 'none'), '>', 1::bigint, 'ctid job ran in several batches');
SELECT is((SELECT count(*) FROM k_moves WHERE n = 1 AND w = v * 2), 4500::bigint, 'ctid ranges: rows moved ahead of the cursor are updated once');
SELECT cmp_ok((SELECT count(*) FROM k_moves WHERE (ctid::text::point)[0] >= 30 AND v <= 1000), '>', 0::bigint, 'some rows from the first pages moved to later pages within the range');
SELECT is((SELECT count(*) FROM k_part WHERE n = 1), 3000::bigint, 'partitioned table through its parent: every row once');
SELECT is((SELECT count(*) FROM k_part_3 WHERE n = 1), 1000::bigint, 'every partition reached');
SELECT is((SELECT count(*) FROM k_part_nokey WHERE w = v), 1000::bigint, 'keyless partitions backfilled one by one');
SELECT is((SELECT state || '/' || batches || '/' || percent FROM migration_guard.backfills WHERE name = 'empty'), 'done/0/100.0', 'empty table: done at once');
SELECT is((SELECT count(*) FROM k_grow WHERE id <= 1000 AND n = 1), 1000::bigint, 'growing table: every original row once');
SELECT is((SELECT count(*) FROM k_grow WHERE id > 1000), 1000::bigint, 'growing table: rows were inserted during the job');
SELECT is((SELECT count(*) FROM k_grow WHERE id > 1000 AND n <> 0), 0::bigint, 'rows inserted past the captured bound are left alone');
SELECT is((SELECT state FROM migration_guard.backfills WHERE name = 'grow'), 'done', 'the job finished under inserts');
SELECT is((SELECT count(*) FROM k_resume WHERE id <= 1000 AND id <> 5 AND n = 1), 101::bigint, 'resume: rows up to the bound updated once, including one inserted ahead of the cursor');
SELECT is((SELECT n FROM k_resume WHERE id = 5), 0, 'resume: a row inserted behind the cursor is not revisited');
SELECT is((SELECT n FROM k_resume WHERE id = 5000), 0, 'resume: a row inserted past the bound is left alone');
SELECT is((SELECT count(*) FROM k_resume WHERE n > 1), 0::bigint, 'resume: no row updated twice');
SELECT is((SELECT batch_size FROM migration_guard.backfills WHERE name = 'adapt'), 1500, 'fast batches grow to max_batch_size');
SELECT cmp_ok((SELECT batches FROM migration_guard.backfills WHERE name = 'adapt'), '>=', 20::bigint, 'growth is at most x1.2 per batch');
SELECT is((SELECT count(*) FROM k_adapt WHERE v = id + 1), 20000::bigint, 'adaptive sizing covers every row once');

SELECT is((SELECT count(*) FROM k_ts WHERE n = 1), 264::bigint, 'timestamp key resumed under another DateStyle: every row once');
SELECT is((SELECT cursor FROM migration_guard.backfill_jobs WHERE name = 'ts'), '{"2024-01-11 23:00:00"}'::text[], 'key values are kept in ISO style');
SELECT is((SELECT count(*) FROM pg_backend_memory_contexts
           WHERE name = 'CachedPlanSource' AND ident LIKE '%k\_ts%'), 0::bigint,
          'the statements a CALL prepared are freed when it ends');

SELECT * FROM finish();
